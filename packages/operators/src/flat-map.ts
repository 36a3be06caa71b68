import { spreadInto } from './internal/sync-spread.js';
import { isThenable } from './internal/thenable.js';
import { defineSyncStage, validateFunction, type FusableStage } from '@sluice/core';
import { itemContext, type ItemContext } from './map.js';

/** What `flatMap`'s function may return for one item: its outputs, in order. Strings are not accepted. */
export type FlatMapResult<Out> = readonly Out[] | (Iterable<Out> & object) | AsyncIterable<Out>;

export type FlatMapFn<In, Out> = (item: In, ctx: ItemContext) => FlatMapResult<Out> | PromiseLike<FlatMapResult<Out>>;

/**
 * Maps every item to an array, an iterable or an async iterable (or a promise of one) and passes
 * on their items, flattened one level, in order.
 *
 * Contract:
 * - Order is kept: all outputs of one item come before those of the next; no read-ahead on the input.
 * - The sequence returned for one item is read to its end before anything downstream sees it:
 *   use it for bounded expansions (a row to its lines, a page to its records), not for infinite
 *   sequences. An async sequence is closed at its next item once the run is cancelled or stopped.
 * - Arrays and sync iterables are fused with adjacent synchronous operators at no promise per
 *   item; async iterables and promises are awaited.
 * - An error thrown by `fn`, by the sequence, or a result that is not iterable (a string, a
 *   number) fails the run; `fn`'s own errors arrive unchanged.
 *
 * @example
 * ```ts
 * await from(['a b', 'c']).pipe(flatMap((line) => line.split(' '))).toArray(); // ['a', 'b', 'c']
 * ```
 */
export function flatMap<In, Out>(fn: FlatMapFn<In, Out>): FusableStage<In, Out> {
  validateFunction(fn, 'flatMap(fn)');
  return defineSyncStage<In, Out>('flatMap', (ctx) => {
    const ictx = itemContext(ctx);
    const { signal } = ctx;
    let index = 0;
    const rest = async (batch: readonly In[], from: number, pending: PromiseLike<void> | undefined, out: Out[]) => {
      await pending;
      for (let i = from; i < batch.length; i++) {
        ictx.index = index++;
        let result: unknown = fn(batch[i] as In, ictx);
        if (isThenable(result)) result = await result;
        await spreadInto(result, out, signal, 'flatMap(fn): fn');
      }
      return true;
    };
    const settle = async (pending: PromiseLike<unknown>, out: Out[]) => {
      await spreadInto(await pending, out, signal, 'flatMap(fn): fn');
    };
    return {
      push(batch, out) {
        for (let i = 0; i < batch.length; i++) {
          ictx.index = index++;
          const result = fn(batch[i] as In, ictx);
          const waiting = isThenable(result) ? settle(result, out) : spreadInto(result, out, signal, 'flatMap(fn): fn');
          if (waiting) return rest(batch, i + 1, waiting, out);
        }
        return true;
      },
    };
  });
}
