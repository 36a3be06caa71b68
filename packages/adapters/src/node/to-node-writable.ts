import type { Writable } from 'node:stream';
import type { Sink } from '@sluice/core';
import { defineBatchSink, raceSignal, validateBoolean, validateKeys, validateObject } from '@sluice/core/kit';
import { DestinationClosedError } from '../internal/errors.js';
import { waitFor } from '../internal/wait.js';
import { FlushTracker, assertWritable, closedError, isClosed, waitForDrain } from './write.js';

/** Options of `toNodeWritable()`. */
export interface ToNodeWritableOptions {
  /** End the writable (and wait for its `'finish'`) when the run succeeds. Default `true`. */
  readonly end?: boolean;
  /** Destroy the writable, with the run's error, when the run fails or is aborted. Default `true`. */
  readonly destroyOnFailure?: boolean;
}

/**
 * A writable watched for being taken away under the run: `'close'`, an `'error'`, a `'finish'`
 * the sink did not cause, or a write callback reporting an error. Being taken away aborts `gone`
 * with the reason; waits go through `until`, the kit's `raceSignal` against it, which links for
 * the wait only: nothing the sink waited for stays reachable from this long-lived object.
 */
class Destination {
  private readonly gone = new AbortController();
  private ending = false;
  readonly flushes = new FlushTracker((error) => this.fail(error));

  constructor(private readonly writable: Writable) {
    writable.on('close', this.onClose);
    writable.on('finish', this.onFinish);
    writable.on('error', this.fail);
  }

  private readonly fail = (error: unknown): void => {
    if (!this.gone.signal.aborted) this.gone.abort(error);
  };

  private readonly onClose = () => {
    if (!this.ending || !this.writable.writableFinished) this.fail(closedError(this.writable));
  };

  private readonly onFinish = () => {
    if (!this.ending) this.fail(new DestinationClosedError());
  };

  /** Throws when the destination was taken away (its state, or an event seen since). */
  check(): void {
    this.gone.signal.throwIfAborted();
    if (isClosed(this.writable)) throw closedError(this.writable);
  }

  /** Waits for `promise` unless the destination is taken away first. */
  until<T>(promise: PromiseLike<T>): Promise<T> {
    return raceSignal(promise, this.gone.signal);
  }

  /** Ends the writable, marking the coming `'finish'` as ours; resolves once it happened. */
  end(): Promise<void> {
    this.ending = true;
    const writable = this.writable;
    return this.until(
      waitFor<void>((waiting) => {
        if (writable.writableFinished) return waiting.resolve();
        waiting.listen(writable, 'finish', () => waiting.resolve());
        writable.end();
      }),
    );
  }

  /** `destroyedByUs`: it emits our error after we return, so keep a listener until its 'close'. */
  dispose(destroyedByUs: boolean): void {
    const writable = this.writable;
    writable.off('close', this.onClose);
    writable.off('finish', this.onFinish);
    if (destroyedByUs) writable.once('close', () => writable.off('error', this.fail));
    else writable.off('error', this.fail);
  }
}

/**
 * A sink that writes every item to a Node writable (a file stream, a socket, an HTTP response),
 * honouring backpressure, and ends it when the run succeeds.
 *
 * Contract:
 * - Order is kept. Per-chunk backpressure: after every `write()` that returns `false` it waits
 *   for `'drain'` (raced against `'close'`, `'error'`, a foreign `'finish'` and the run's
 *   signal, listeners removed whoever wins), so the writable never holds more than
 *   `highWaterMark` + 1 chunks. A batch is written under `cork()` so a `writev` can take it in
 *   one go.
 * - Checked before the first pull: a writable already destroyed, ended or errored fails the run
 *   with a `DestinationClosedError` (or its error) and the source is never opened.
 * - A writable closed, ended or errored by someone else during the run ends the run promptly
 *   (even while the source is blocked) with a `DestinationClosedError` (or the writable's error);
 *   the source is closed. So does a write callback's error, or (for an HTTP message) a socket a
 *   failed write errored: both are checked before every write, so a source that never yields
 *   cannot write on into a dead destination.
 * - Keeps nothing it wrote reachable: each wait removes its listeners when it settles, so memory
 *   under a slow writable does not grow with the volume.
 * - On success it calls `end()` (option `end`, default true) and resolves after `'finish'`.
 *   On failure or abort it destroys the writable with the run's error (option
 *   `destroyOnFailure`, default true) and keeps an `'error'` listener until its `'close'`, so
 *   that error is never uncaught. No other listener outlives the run.
 * - `writable` must be a Node writable: anything else throws a coded `TypeError` at call time.
 *
 * @example
 * ```ts doctest
 * import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 *
 * const dir = mkdtempSync(join(tmpdir(), 'sluice-example-'));
 * const file = createWriteStream(join(dir, 'out.txt'));
 * await from(['a\n', 'b\n']).to(toNodeWritable(file));
 * file.writableFinished; // => true
 * readFileSync(join(dir, 'out.txt'), 'utf8'); // => 'a\nb\n'
 * rmSync(dir, { recursive: true });
 * ```
 */
export function toNodeWritable<T>(writable: Writable, options: ToNodeWritableOptions = {}): Sink<T, void> {
  assertWritable(writable, 'toNodeWritable(writable)');
  validateObject(options, 'toNodeWritable(writable, options)');
  validateKeys(options, ['end', 'destroyOnFailure'], 'toNodeWritable(writable, options)');
  const end = options.end === undefined ? true : validateBoolean(options.end, 'toNodeWritable(…, options).end');
  const destroyOnFailure =
    options.destroyOnFailure === undefined
      ? true
      : validateBoolean(options.destroyOnFailure, 'toNodeWritable(…, options).destroyOnFailure');

  return defineBatchSink<T, void>('toNodeWritable', async (batches, { signal }) => {
    if (signal.aborted) throw signal.reason;
    // Before the first pull, so that a dead destination never opens the source.
    if (isClosed(writable)) throw closedError(writable);
    const destination = new Destination(writable);
    let destroyed = false;
    try {
      const it = batches[Symbol.asyncIterator]();
      for (;;) {
        const r = await destination.until(it.next());
        if (r.done) break;
        await writeBatch(writable, r.value, signal, destination);
      }
      if (end) {
        destination.check();
        await destination.end();
      }
    } catch (error) {
      if (destroyOnFailure && !writable.destroyed) {
        destroyed = true;
        writable.destroy(error as Error);
      }
      throw error;
    } finally {
      destination.dispose(destroyed);
    }
  });
}

async function writeBatch(
  writable: Writable,
  batch: readonly unknown[],
  signal: AbortSignal,
  destination: Destination,
): Promise<void> {
  // Someone else filled it: wait before adding to it.
  if (writable.writableNeedDrain) await destination.until(waitForDrain(writable, signal));
  const flushes = destination.flushes;
  let corked = false;
  try {
    for (let i = 0; i < batch.length; i++) {
      if (signal.aborted) throw signal.reason;
      destination.check();
      if (!corked && i + 1 < batch.length) {
        writable.cork();
        corked = true;
      }
      const ok = writable.write(batch[i], flushes.callback);
      const n = flushes.wrote();
      if (!ok) {
        if (corked) {
          writable.uncork();
          corked = false;
        }
        await destination.until(waitForDrain(writable, signal, flushes.until(n)));
      }
    }
  } finally {
    if (corked) writable.uncork();
  }
}
