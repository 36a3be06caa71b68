import { defineBatchSink, type Sink } from '@sluice/core';

/**
 * A terminal that resolves to the first item, or `undefined` for an empty input, and stops the run there.
 *
 * Contract:
 * - The run stops as soon as the first item arrives: the source is closed at once and the run's
 *   report says `'stopped'` (`'completed'` for an empty input).
 * - It reads at most one source batch: one item from an async source; up to the batch size
 *   (`from(input, { batchSize })`) from an array or a sync iterable.
 * - Errors before the first item fail the run unchanged.
 *
 * @example
 * ```ts
 * await from([7, 8, 9]).to(first()); // 7
 * ```
 */
export function first<T>(): Sink<T, T | undefined> {
  return defineBatchSink<T, T | undefined>('first', async (batches) => {
    for await (const batch of batches) {
      if (batch.length > 0) return batch[0];
    }
    return undefined;
  });
}
