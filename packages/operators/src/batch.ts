import { SluiceRangeError, SluiceTypeError, type Stage } from '@sluice/core';
import {
  defineSyncStage,
  pullOnce,
  raceSignal,
  validateFunction,
  validateInteger,
  validateKeys,
  validateNumber,
  validateObject,
  validateTimeout,
} from '@sluice/core/kit';
import { Batcher } from './internal/async-batcher.js';
import { asyncIteratorOf, closeIterators } from './internal/async-iterators.js';

/** Options of `batch`: any combination of a count, a time and a weight bound (at least one). */
export interface BatchOptions<T> {
  /** The most items per batch. */
  readonly size?: number;
  /** The longest a batch waits for more items, counted from its first item (milliseconds). */
  readonly maxWaitMs?: number;
  /** The most total weight per batch (with `weigh`), e.g. bytes. */
  readonly maxWeight?: number;
  /** The weight of one item: a finite number >= 0. */
  readonly weigh?: (item: T) => number;
}

const EXPIRED = Symbol('expired');

function positive(value: unknown, name: string): number {
  const n = validateNumber(value, name, 0);
  if (n === 0) throw new SluiceRangeError('ERR_SLUICE_OPTION_OUT_OF_RANGE', `${name} must be > 0, got 0`);
  return n;
}

/**
 * Groups items into arrays, by count (`size`), by time (`maxWaitMs`), by weight (`maxWeight` with
 * `weigh`), or any combination: a batch is emitted as soon as any bound is reached.
 * `batch(n)` is short for `batch({ size: n })`.
 *
 * Contract:
 * - Order is kept. A batch is never empty. The last partial batch is emitted when the input ends.
 * - Weight: an item that would push the batch over `maxWeight` starts a new batch; an item heavier
 *   than `maxWeight` on its own forms a batch alone (it is never dropped or split).
 * - Time: the timer starts at a batch's first item (never while idle, so no timer exists while
 *   the batch is empty) and is cleared when the batch is emitted for any reason. When it fires,
 *   the partial batch is emitted while the pull already in flight is kept and reused: upstream is
 *   never asked twice at once and no item is lost.
 * - Read-ahead: up to `size` items (or one batch's weight); a timed flush keeps at most one pull in flight.
 * - Without `maxWaitMs` it is a synchronous, fused operator; with it, an asynchronous stage.
 * - Errors (from upstream or `weigh`) fail the run unchanged; the partial batch is then dropped,
 *   like on abort or early exit, and the timer is cleared in every case. Stateful per run.
 *
 * @example
 * ```ts doctest
 * await from([1, 2, 3, 4, 5]).pipe(batch(2)).toArray(); // => [[1, 2], [3, 4], [5]]
 * await from(['ab', 'cde', 'f']).pipe(batch({ maxWeight: 4, weigh: (s) => s.length })).toArray(); // => [['ab'], ['cde', 'f']]
 * ```
 */
export function batch<T>(sizeOrOptions: number | BatchOptions<T>): Stage<T, T[]> {
  const options: BatchOptions<T> = typeof sizeOrOptions === 'number' ? { size: sizeOrOptions } : sizeOrOptions;
  const where = typeof sizeOrOptions === 'number' ? 'batch(size)' : 'batch(options)';
  validateObject(options, where);
  validateKeys(options, ['size', 'maxWaitMs', 'maxWeight', 'weigh'], where);
  const name = (key: string) => (typeof sizeOrOptions === 'number' ? where : `${where}.${key}`);
  const size = options.size === undefined ? Infinity : validateInteger(options.size, name('size'), 1);
  const maxWaitMs =
    options.maxWaitMs === undefined
      ? Infinity
      : positive(validateTimeout(options.maxWaitMs, name('maxWaitMs')), name('maxWaitMs'));
  const maxWeight = options.maxWeight === undefined ? Infinity : positive(options.maxWeight, name('maxWeight'));
  const weigh = (options as BatchOptions<T>).weigh;
  if (weigh !== undefined) validateFunction(weigh as unknown, name('weigh'));
  if ((weigh === undefined) !== (options.maxWeight === undefined)) {
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_OPTION',
      `${where}: maxWeight and weigh(item) go together; give both or neither`,
    );
  }
  if (size === Infinity && maxWaitMs === Infinity && maxWeight === Infinity) {
    throw new SluiceTypeError('ERR_SLUICE_INVALID_OPTION', `${where} needs a finite size, maxWaitMs or maxWeight`);
  }
  if (maxWaitMs === Infinity) {
    return defineSyncStage<T, T[]>('batch', () => {
      const batcher = new Batcher<T>(size, maxWeight, weigh);
      return {
        push(items, out) {
          for (let i = 0; i < items.length; i++) batcher.add(items[i] as T, out);
          return true;
        },
        flush(out) {
          batcher.flush(out);
        },
      };
    });
  }
  return async function* timedBatchStage(source, { signal }) {
    const it = asyncIteratorOf(source, 'batch');
    const batcher = new Batcher<T>(size, maxWeight, weigh);
    let pending: Promise<IteratorResult<T>> | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Aborted with EXPIRED when the open batch's maxWaitMs is up: the pull in flight is raced
    // against it, and may outlive several such deadlines without anything piling up on it.
    let deadline: AbortController | undefined;
    let expired = false;
    let upstreamDone = false;
    let failing = false;
    // When the item being added arrived: it may have waited while the consumer was busy.
    let arrivedAt = 0;
    const clearTimer = () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      deadline = undefined;
      expired = false;
    };
    const takeBatch = (): T[] => {
      const out: T[][] = [];
      batcher.flush(out);
      clearTimer();
      return out[0]!;
    };
    try {
      for (;;) {
        if (expired) {
          yield takeBatch();
          continue;
        }
        pending ??= pullOnce(it, 'batch').then(
          (r) => {
            arrivedAt = Date.now();
            return r;
          },
          (error: unknown) => {
            upstreamDone = true;
            throw error;
          },
        );
        let winner: IteratorResult<T>;
        try {
          winner = await raceSignal(raceSignal(pending, deadline?.signal), signal);
        } catch (error) {
          if (error === EXPIRED) continue;
          throw error;
        }
        pending = undefined;
        if (winner.done) {
          upstreamDone = true;
          break;
        }
        const out: T[][] = [];
        batcher.add(winner.value, out);
        if (out.length > 0) clearTimer();
        if (batcher.length > 0 && timer === undefined && !expired) {
          // Counted from the first item's arrival, not from when this loop got to it.
          const wait = maxWaitMs - (Date.now() - arrivedAt);
          if (wait <= 0) expired = true;
          else {
            const expiry = new AbortController();
            deadline = expiry;
            timer = setTimeout(() => {
              timer = undefined;
              expired = true;
              expiry.abort(EXPIRED);
            }, wait);
          }
        }
        for (const full of out) yield full;
      }
      if (batcher.length > 0) yield takeBatch();
    } catch (error) {
      failing = true;
      throw error;
    } finally {
      clearTimer();
      if (!upstreamDone) {
        upstreamDone = true;
        // A pull still in flight settles into nothing: its rejection must not go unhandled.
        pending?.catch(() => undefined);
        await closeIterators([it], failing, 'batch', signal);
      }
    }
  };
}
