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
 *   next call, which is the backpressure: nothing more is pulled meanwhile.
 * - Read-ahead: while `fn` returns promises, items are pulled one at a time, so an async source
 *   (a generator, a driver) reads nothing ahead of the item being handled; the first item is
 *   pulled alone too. While `fn` returns at once, items come in batches (up to the source's
 *   `batchSize`) and a synchronous `fn` costs no promise per item. When `fn` first returns a
 *   promise after returning at once, the rest of the batch in hand was read before.
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
    const iterator = batches[Symbol.asyncIterator]();
    let index = 0;
    // Item by item until fn shows it returns at once: then the next pull may be a whole batch.
    let waits = true;
    try {
      for (;;) {
        const next = await iterator.next(undefined, waits);
        if (next.done) return;
        const batch = next.value;
        for (let i = 0; i < batch.length; i++) {
          ictx.index = index++;
          const result = fn(batch[i] as T, ictx);
          waits = isThenable(result);
          if (waits) await result;
        }
      }
    } catch (error) {
      // As `for await` does: the source is released, and the error that stopped us is the one that counts.
      await iterator.return?.().catch(() => undefined);
      throw error;
    }
  });
}
