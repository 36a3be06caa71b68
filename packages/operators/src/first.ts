import type { Sink } from '@sluice/core';
import { defineBatchSink } from '@sluice/core/kit';

/**
 * A terminal that resolves to the first item, or `undefined` for an empty input, and stops the run there.
 *
 * Contract:
 * - The run stops as soon as the first item arrives: the source is closed at once and the run's
 *   report says `'stopped'` (`'completed'` for an empty input).
 * - It asks for one item: an array or a sync iterable is read one item far, through synchronous
 *   operators (a `filter` in between may need more); behind an opaque stage, at most one batch.
 * - Errors before the first item fail the run unchanged.
 *
 * @example
 * ```ts doctest
 * await from([7, 8, 9]).to(first()); // => 7
 * ```
 */
export function first<T>(): Sink<T, T | undefined> {
  return defineBatchSink<T, T | undefined>('first', async (batches) => {
    // Inside sluice, next() takes a hint: the most items this sink can use.
    const it = batches[Symbol.asyncIterator]();
    let done = false;
    try {
      for (;;) {
        const r = await it.next(1);
        if (r.done) {
          done = true;
          return undefined;
        }
        if (r.value.length > 0) return r.value[0];
      }
    } finally {
      if (!done) await it.return?.();
    }
  });
}
