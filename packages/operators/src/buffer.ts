import type { Stage } from '@sluice/core';
import { Notifier, pullOnce, validateInteger } from '@sluice/core/kit';
import { asyncIteratorOf, closeIterators } from './internal/async-iterators.js';

/**
 * Reads upstream eagerly, up to `size` items ahead of the consumer: explicit, bounded read-ahead.
 * Put it in front of a slow consumer (an HTTP client downloading an export) and the source (a
 * database cursor) is read to its end and released while the consumer catches up, instead of
 * being held open for the whole download.
 *
 * Contract:
 * - Order is kept. At most `size` items wait in the buffer; upstream is pulled one item at a time
 *   (never two pulls at once) while the buffer has room, also while the consumer is busy. So at
 *   most `1 + size` items are pulled before the consumer has taken its first (the one it holds,
 *   and `size` buffered), and produced minus handed-on never exceeds `size`.
 * - Upstream errors are delivered after the items buffered before them: those items were read
 *   successfully and a sink may as well write them; the error then fails the run unchanged.
 * - Cancellation fails fast: once the run's signal aborts, the buffered items are dropped and the
 *   consumer's pull rejects with `signal.reason` at once, even if items are waiting.
 * - On early exit upstream is returned exactly once (unless it already ended). Stateful per run.
 *
 * @example
 * ```ts doctest
 * const log: string[] = [];
 * const cursor = {
 *   open: () => ({ pages: [[1, 2], [3]] }),
 *   read: (c: { pages: number[][] }) => c.pages.shift() ?? null,
 *   close: () => void log.push('cursor closed'),
 * };
 * for await (const row of fromResource(cursor).pipe(buffer(64))) {
 *   await new Promise((resolve) => setTimeout(resolve, 1)); // a slow consumer
 *   log.push(`row ${row}`);
 * }
 * // the cursor closes as soon as it is read out, before the consumer is done
 * log; // => ['cursor closed', 'row 1', 'row 2', 'row 3']
 * ```
 */
export function buffer<T>(size: number): Stage<T, T> {
  validateInteger(size, 'buffer(size)', 1);
  return async function* bufferStage(source, { signal }) {
    const it = asyncIteratorOf(source, 'buffer');
    const changed = new Notifier();
    let queue: T[] = [];
    let head = 0;
    let pulling = false;
    let ended = false;
    let closed = false;
    let failure: { readonly error: unknown } | undefined;
    let failing = false;

    const pump = (): void => {
      if (pulling || ended || closed || signal.aborted || queue.length - head >= size) return;
      pulling = true;
      pullOnce(it, 'buffer').then(
        (r) => {
          pulling = false;
          if (r.done) ended = true;
          else if (!closed) {
            queue.push(r.value);
            pump();
          }
          changed.notify();
        },
        (error: unknown) => {
          pulling = false;
          ended = true;
          failure = { error };
          changed.notify();
        },
      );
    };

    try {
      for (;;) {
        pump();
        if (head < queue.length) {
          signal.throwIfAborted();
          const item = queue[head] as T;
          // A slot read but not cleared keeps its item reachable until the queue is compacted:
          // up to 1024 items that already went downstream (64 MiB of 64 KiB chunks).
          queue[head++] = undefined as T;
          if (head === queue.length) {
            queue.length = 0;
            head = 0;
          } else if (head > 1024 && head * 2 > queue.length) {
            queue = queue.slice(head);
            head = 0;
          }
          yield item;
          continue;
        }
        if (failure) throw failure.error;
        if (ended) return;
        await changed.wait(signal);
      }
    } catch (error) {
      failing = true;
      throw error;
    } finally {
      closed = true;
      queue = [];
      head = 0;
      if (!ended) {
        ended = true;
        await closeIterators([it], failing, 'buffer', signal);
      }
    }
  };
}
