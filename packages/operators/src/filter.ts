import { isThenable } from './internal/thenable.js';
import { defineSyncStage, validateFunction, type FusableStage } from '@sluice/core';
import { itemContext, type ItemContext } from './map.js';

export type Predicate<T> = (item: T, ctx: ItemContext) => boolean | PromiseLike<boolean>;

/**
 * Keeps the items for which `predicate` returns true (or a promise of true).
 *
 * Contract:
 * - Order is kept; no read-ahead; stateless; fused with adjacent synchronous operators.
 * - A type-guard predicate narrows the output type.
 * - An error thrown by `predicate` fails the run unchanged.
 *
 * @example
 * ```ts
 * await from([1, 2, 3, 4]).pipe(filter((n) => n % 2 === 0)).toArray(); // [2, 4]
 * ```
 */
export function filter<T, S extends T>(predicate: (item: T, ctx: ItemContext) => item is S): FusableStage<T, S>;
export function filter<T>(predicate: Predicate<T>): FusableStage<T, T>;
export function filter<T>(predicate: Predicate<T>): FusableStage<T, T> {
  validateFunction(predicate, 'filter(predicate)');
  return defineSyncStage<T, T>('filter', (ctx) => {
    const ictx = itemContext(ctx);
    let index = 0;
    const rest = async (batch: readonly T[], from: number, pending: PromiseLike<boolean>, out: T[]) => {
      if (await pending) out.push(batch[from - 1] as T);
      for (let i = from; i < batch.length; i++) {
        ictx.index = index++;
        if (await predicate(batch[i] as T, ictx)) out.push(batch[i] as T);
      }
      return true;
    };
    return {
      push(batch, out) {
        for (let i = 0; i < batch.length; i++) {
          ictx.index = index++;
          const keep = predicate(batch[i] as T, ictx);
          if (isThenable(keep)) return rest(batch, i + 1, keep, out);
          if (keep) out.push(batch[i] as T);
        }
        return true;
      },
    };
  }, { inline: { op: 'filter', fn: predicate } });
}
