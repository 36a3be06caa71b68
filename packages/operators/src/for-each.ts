import type { Sink } from '@sluice/core';
import { defineBatchSink, isThenable, validateFunction } from '@sluice/core/kit';
import { itemContext, type ItemContext } from './internal/each-item.js';

/** `forEach`'s function: called for every item; a promise it returns is awaited before the next item. */
export type ForEachFn<T> = (item: T, ctx: ItemContext) => unknown;

/**
 * A terminal that calls `fn` for every item: `pipeline.to(forEach(fn))` resolves once every item was handled.
 *
 * Contract:
 * - Items are handled one at a time, in order: a promise returned by `fn` is awaited before the
 *   next call, which is the backpressure: nothing more is pulled meanwhile. The batch in hand was
 *   read before (up to the source's `batchSize`, an async source's included; `from(x, { batchSize: 1 })`
 *   makes it one item).
 * - A synchronous `fn` costs no promise per item (it works on whole batches inside sluice).
 * - An error thrown by `fn` (or a rejection) fails the run with that error, unchanged, and the source is closed.
 * - `fn` receives `{ signal, index }`: pass the signal to what it awaits so a cancelled run stops it.
 *
 * @example
 * ```ts doctest
 * const seen: string[] = [];
 * await from(['a', 'b']).to(forEach((s, { index }) => { seen.push(`${index}:${s}`); })); // => undefined
 * seen; // => ['0:a', '1:b']
 * ```
 */
export function forEach<T>(fn: ForEachFn<T>): Sink<T, void> {
  validateFunction(fn, 'forEach(fn)');
  return defineBatchSink<T, void>('forEach', async (batches, ctx) => {
    const ictx = itemContext(ctx);
    let index = 0;
    for await (const batch of batches) {
      for (let i = 0; i < batch.length; i++) {
        ictx.index = index++;
        const result = fn(batch[i] as T, ictx);
        if (isThenable(result)) await result;
      }
    }
  });
}
