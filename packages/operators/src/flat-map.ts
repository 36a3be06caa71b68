import { isAsyncIterable, spreadInto } from './internal/sync-spread.js';
import { defineBatchStage, isThenable, validateFunction, type FusableStage } from '@sluice/core/kit';
import { itemContext, type ItemContext } from './internal/each-item.js';

/** What `flatMap`'s function may return for one item: its outputs, in order. Strings are not accepted. */
export type FlatMapResult<Out> = readonly Out[] | (Iterable<Out> & object) | AsyncIterable<Out>;

/** `flatMap`'s function: one item in, its outputs (or a promise of them) out. */
export type FlatMapFn<In, Out> = (item: In, ctx: ItemContext) => FlatMapResult<Out> | PromiseLike<FlatMapResult<Out>>;

/**
 * Maps every item to an array, an iterable or an async iterable (or a promise of one) and passes
 * on their items, flattened one level, in order.
 *
 * Contract:
 * - Order is kept: all outputs of one item come before those of the next; no read-ahead on the
 *   input (the next input item is not pulled before the current item's sequence has ended).
 * - Arrays and sync iterables are spread into the output batch; an async iterable is streamed, item
 *   by item, so an endless or slow inner sequence (a tail, a paginated API) flows downstream as it
 *   comes and a downstream `take` can stop it. Returning or cancelling the run closes it.
 * - Stateless; works on whole batches (one hop per batch, not per item).
 * - An error thrown by `fn`, by the sequence, or a result that is not iterable (a string, a
 *   number) fails the run; `fn`'s own errors arrive unchanged.
 *
 * @example
 * ```ts doctest
 * await from(['a b', 'c']).pipe(flatMap((line) => line.split(' '))).toArray(); // => ['a', 'b', 'c']
 * ```
 */
export function flatMap<In, Out>(fn: FlatMapFn<In, Out>): FusableStage<In, Out> {
  validateFunction(fn, 'flatMap(fn)');
  return defineBatchStage<In, Out>('flatMap', async function* flatMapStage(batches, ctx) {
    const ictx = itemContext(ctx);
    let index = 0;
    for await (const batch of batches) {
      let out: Out[] = [];
      for (let i = 0; i < batch.length; i++) {
        ictx.index = index++;
        let result: unknown = fn(batch[i] as In, ictx);
        if (isThenable(result)) result = await result;
        if (!isAsyncIterable(result)) {
          spreadInto(result, out, 'flatMap(fn): fn');
          continue;
        }
        if (out.length > 0) {
          yield out;
          out = [];
        }
        for await (const inner of result as AsyncIterable<Out>) yield [inner];
      }
      if (out.length > 0) yield out;
    }
  });
}
