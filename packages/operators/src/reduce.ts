import type { Sink } from '@sluice/core';
import { defineBatchSink, isThenable, validateFunction } from '@sluice/core/kit';
import { itemContext, type ItemContext } from './internal/each-item.js';

/** `reduce`'s function: the accumulator so far and one item in, the next accumulator (or a promise of it) out. */
export type ReduceFn<T, Acc> = (acc: Acc, item: T, ctx: ItemContext) => Acc | PromiseLike<Acc>;

/**
 * A terminal that folds every item into one value with `fn`, starting from `seed`: `pipeline.to(reduce(fn, seed))`.
 *
 * Contract:
 * - Items are folded in order; the result is the last accumulator (`seed` for an empty input).
 * - A promise returned by `fn` is awaited before the next item is folded; a synchronous `fn`
 *   costs no promise per item (it works on whole batches inside sluice).
 * - An error thrown by `fn` fails the run with that error, unchanged, and the source is closed.
 * - Every run starts again from `seed`: keep it immutable, or return new accumulators, to run a pipeline twice.
 *
 * @example
 * ```ts doctest
 * await from([1, 2, 3, 4]).to(reduce((sum, n: number) => sum + n, 0)); // => 10
 * ```
 */
export function reduce<T, Acc>(fn: ReduceFn<T, Acc>, seed: Acc): Sink<T, Acc> {
  validateFunction(fn, 'reduce(fn, seed)');
  return defineBatchSink<T, Acc>('reduce', async (batches, ctx) => {
    const ictx = itemContext(ctx);
    let index = 0;
    let acc = seed;
    for await (const batch of batches) {
      for (let i = 0; i < batch.length; i++) {
        ictx.index = index++;
        const next = fn(acc, batch[i] as T, ictx);
        acc = isThenable(next) ? await next : next;
      }
    }
    return acc;
  });
}
