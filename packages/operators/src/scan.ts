import { defineSyncStage, isThenable, validateFunction, type FusableStage } from '@sluice/core/kit';
import { itemContext, type ItemContext } from './internal/each-item.js';

/** `scan`'s function: the accumulator so far and one item in, the next accumulator (or a promise of it) out. */
export type ScanFn<T, Acc> = (acc: Acc, item: T, ctx: ItemContext) => Acc | PromiseLike<Acc>;

/**
 * Folds the items with `fn`, starting from `seed`, and passes on every intermediate accumulator.
 *
 * Contract:
 * - Order is kept; one output per input (the seed itself is not emitted); no read-ahead.
 * - Stateful per run: every run starts again from `seed` (keep `seed` immutable, or return new
 *   accumulators, if the pipeline runs more than once).
 * - A promise returned by `fn` is awaited before the next item is folded.
 * - An error thrown by `fn` fails the run unchanged; fused with adjacent synchronous operators.
 *
 * @example
 * ```ts doctest
 * await from([1, 2, 3]).pipe(scan((sum, n: number) => sum + n, 0)).toArray(); // => [1, 3, 6]
 * ```
 */
export function scan<T, Acc>(fn: ScanFn<T, Acc>, seed: Acc): FusableStage<T, Acc> {
  validateFunction(fn, 'scan(fn, seed)');
  return defineSyncStage<T, Acc>(
    'scan',
    (ctx) => {
      const ictx = itemContext(ctx);
      let index = 0;
      let acc = seed;
      const rest = async (batch: readonly T[], from: number, pending: PromiseLike<Acc>, out: Acc[]) => {
        acc = await pending;
        out.push(acc);
        for (let i = from; i < batch.length; i++) {
          ictx.index = index++;
          const next = fn(acc, batch[i] as T, ictx);
          acc = isThenable(next) ? await next : next;
          out.push(acc);
        }
        return true;
      };
      return {
        push(batch, out) {
          for (let i = 0; i < batch.length; i++) {
            ictx.index = index++;
            const next = fn(acc, batch[i] as T, ictx);
            if (isThenable(next)) return rest(batch, i + 1, next, out);
            acc = next;
            out.push(acc);
          }
          return true;
        },
      };
    },
    { oneToOne: true },
  );
}
