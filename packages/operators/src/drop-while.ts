import { defineSyncStage, isThenable, validateFunction, type FusableStage } from '@sluice/core/kit';
import type { Predicate } from './filter.js';
import { itemContext } from './internal/each-item.js';

/**
 * Skips items while `predicate` holds; from the first item for which it does not, passes everything on.
 *
 * Contract:
 * - Order is kept; it pulls the skipped items plus one before its first output, never more.
 * - `predicate` is not called again once it returned false (or a promise of false); a promise is
 *   awaited before the next item is tested.
 * - Stateful per run; fused with adjacent synchronous operators.
 * - An error thrown by `predicate` fails the run unchanged.
 *
 * @example
 * ```ts doctest
 * await from([1, 2, 5, 1]).pipe(dropWhile((n) => n < 3)).toArray(); // => [5, 1]
 * ```
 */
export function dropWhile<T>(predicate: Predicate<T>): FusableStage<T, T> {
  validateFunction(predicate, 'dropWhile(predicate)');
  return defineSyncStage<T, T>('dropWhile', (ctx) => {
    const ictx = itemContext(ctx);
    let index = 0;
    let dropping = true;
    const passRest = (batch: readonly T[], from: number, out: T[]) => {
      for (let i = from; i < batch.length; i++) out.push(batch[i] as T);
      return true;
    };
    const rest = async (batch: readonly T[], at: number, pending: PromiseLike<boolean>, out: T[]) => {
      let skip = await pending;
      let i = at;
      while (skip) {
        if (++i >= batch.length) return true;
        ictx.index = index++;
        const result = predicate(batch[i] as T, ictx);
        skip = isThenable(result) ? await result : result;
      }
      dropping = false;
      return passRest(batch, i, out);
    };
    return {
      push(batch, out) {
        if (!dropping) return passRest(batch, 0, out);
        for (let i = 0; i < batch.length; i++) {
          ictx.index = index++;
          const skip = predicate(batch[i] as T, ictx);
          if (isThenable(skip)) return rest(batch, i, skip, out);
          if (!skip) {
            dropping = false;
            return passRest(batch, i, out);
          }
        }
        return true;
      },
    };
  });
}
