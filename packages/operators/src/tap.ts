import { isThenable } from './internal/thenable.js';
import { defineSyncStage, validateFunction, type FusableStage } from '@sluice/core';
import { itemContext, type ItemContext } from './map.js';

export type TapFn<T> = (item: T, ctx: ItemContext) => unknown;

/**
 * Calls `fn` for every item for its side effect and passes the item on unchanged.
 *
 * Contract:
 * - Order is kept; one output per input; no read-ahead. A promise returned by `fn` is awaited
 *   before the item is passed on and before `fn` sees the next item; any other return value is ignored.
 * - Stateless; fused with adjacent synchronous operators (a synchronous `fn` costs no promise per item).
 * - An error thrown by `fn` (or a rejection of its promise) fails the run unchanged; the item is not passed on.
 * - `fn` receives `{ signal, index }`; the signal aborts when the run is cancelled or stopped.
 *
 * @example
 * ```ts
 * const seen: number[] = [];
 * await from([1, 2, 3]).pipe(tap((n) => { seen.push(n); })).toArray(); // [1, 2, 3]; seen is [1, 2, 3]
 * ```
 */
export function tap<T>(fn: TapFn<T>): FusableStage<T, T> {
  validateFunction(fn, 'tap(fn)');
  return defineSyncStage<T, T>(
    'tap',
    (ctx) => {
      const ictx = itemContext(ctx);
      let index = 0;
      const rest = async (batch: readonly T[], from: number, pending: PromiseLike<unknown>, out: T[]) => {
        await pending;
        out.push(batch[from - 1] as T);
        for (let i = from; i < batch.length; i++) {
          ictx.index = index++;
          const result = fn(batch[i] as T, ictx);
          if (isThenable(result)) await result;
          out.push(batch[i] as T);
        }
        return true;
      };
      return {
        push(batch, out) {
          for (let i = 0; i < batch.length; i++) {
            ictx.index = index++;
            const result = fn(batch[i] as T, ictx);
            if (isThenable(result)) return rest(batch, i + 1, result, out);
            out.push(batch[i] as T);
          }
          return true;
        },
      };
    },
    // Adjacent map/filter/tap are compiled by the runner into one loop calling `fn` directly.
    { oneToOne: true, inline: { op: 'tap', fn } },
  );
}
