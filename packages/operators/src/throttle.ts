import { SluiceRangeError, type Stage } from '@sluice/core';
import { pullOnce, raceSignal, validateDelay, validateInteger, validateKeys, validateObject } from '@sluice/core/kit';
import { asyncIteratorOf, closeIterators } from './internal/async-iterators.js';
import { sleep } from './internal/async-sleep.js';

/** Options of `throttle`. */
export interface ThrottleOptions {
  /** The most items let through in any window of `intervalMs`. */
  readonly limit: number;
  /** The length of the sliding window, in milliseconds. */
  readonly intervalMs: number;
}

/**
 * Rate-limits the flow: at most `limit` items pass in any sliding window of `intervalMs`.
 *
 * Contract:
 * - Order is kept; nothing is dropped: a fast source is slowed down, not thinned out.
 * - No read-ahead: the stage waits for a free slot first and only then pulls the next item, so an
 *   item is never held while waiting (one pulled before the first output).
 * - The wait is abortable: on abort the timer is cleared at once and the pull rejects with
 *   `signal.reason`. No timer exists except during a wait; early exit leaves none behind.
 * - Upstream errors pass through unchanged. Stateful per run (the times of the last `limit` items).
 *
 * @example
 * ```ts doctest
 * const sentAt: number[] = [];
 * const sent = await from([1, 2, 3, 4, 5])
 *   .pipe(throttle({ limit: 2, intervalMs: 20 })) // at most 2 items in any 20 ms
 *   .pipe(tap(() => sentAt.push(Date.now())))
 *   .toArray();
 * sent; // => [1, 2, 3, 4, 5]
 * // items 1-2 go at once, 3-4 one window later, 5 after a second wait
 * sentAt[4]! - sentAt[0]! >= 30; // => true
 * ```
 */
export function throttle<T>(options: ThrottleOptions): Stage<T, T> {
  validateObject(options, 'throttle(options)');
  validateKeys(options, ['limit', 'intervalMs'], 'throttle(options)');
  const limit = validateInteger(options.limit, 'throttle(options).limit', 1);
  const intervalMs = validateDelay(options.intervalMs, 'throttle(options).intervalMs');
  if (intervalMs === 0)
    throw new SluiceRangeError('ERR_SLUICE_OPTION_OUT_OF_RANGE', 'throttle(options).intervalMs must be > 0, got 0');
  return async function* throttleStage(source, { signal }) {
    const it = asyncIteratorOf(source, 'throttle');
    const sentAt: number[] = [];
    let sent = 0;
    let upstreamDone = false;
    let failing = false;
    try {
      for (;;) {
        if (sent >= limit) {
          // The item sent `limit` items ago must have left the window before the next one may go.
          const wait = (sentAt[sent % limit] as number) + intervalMs - Date.now();
          if (wait > 0) await sleep(wait, signal);
        }
        const pull = pullOnce(it, 'throttle').catch((error: unknown) => {
          upstreamDone = true;
          throw error;
        });
        const r = await raceSignal(pull, signal);
        if (r.done) {
          upstreamDone = true;
          return;
        }
        sentAt[sent % limit] = Date.now();
        sent++;
        yield r.value;
      }
    } catch (error) {
      failing = true;
      throw error;
    } finally {
      if (!upstreamDone) {
        upstreamDone = true;
        await closeIterators([it], failing, 'throttle', signal);
      }
    }
  };
}
