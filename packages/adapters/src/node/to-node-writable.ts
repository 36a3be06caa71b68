import type { Writable } from 'node:stream';
import { defineBatchSink, validateBoolean, validateKeys, validateObject, type Sink } from '@sluice/core';
import { DestinationClosedError } from '../internal/errors.js';
import { FlushTracker, assertWritable, isClosed, waitForDrain } from './write.js';

/** Options of `toNodeWritable()`. */
export interface ToNodeWritableOptions {
  /** End the writable (and wait for its `'finish'`) when the run succeeds. Default `true`. */
  readonly end?: boolean;
  /** Destroy the writable, with the run's error, when the run fails or is aborted. Default `true`. */
  readonly destroyOnFailure?: boolean;
}

/**
 * Watches a writable for being taken away under the run: `'close'`, an `'error'`, or a `'finish'`
 * the sink did not cause. `gone` rejects with the reason; `dispose` removes every listener.
 */
function watchDestination(writable: Writable) {
  let ending = false;
  let fail!: (error: unknown) => void;
  let finish!: () => void;
  const gone = new Promise<never>((_, reject) => {
    fail = reject;
  });
  gone.catch(() => undefined);
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const onClose = () => {
    if (!ending || !writable.writableFinished) fail(writable.errored ?? new DestinationClosedError());
  };
  const onFinish = () => {
    if (ending) finish();
    else fail(new DestinationClosedError());
  };
  const onError = (error: unknown) => fail(error);
  writable.on('close', onClose);
  writable.on('finish', onFinish);
  writable.on('error', onError);
  return {
    gone,
    /** Marks the coming `'finish'` as ours and resolves once it happened. */
    end(): Promise<void> {
      ending = true;
      writable.end();
      return race(finished, gone);
    },
    /** `destroyedByUs`: it emits our error after we return, so keep a listener until its 'close'. */
    dispose(destroyedByUs: boolean) {
      writable.off('close', onClose);
      writable.off('finish', onFinish);
      if (destroyedByUs) writable.once('close', () => writable.off('error', onError));
      else writable.off('error', onError);
    },
  };
}

function race<T>(promise: Promise<T>, gone: Promise<never>): Promise<T> {
  promise.catch(() => undefined);
  return Promise.race([promise, gone]);
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
 *   the source is closed.
 * - On success it calls `end()` (option `end`, default true) and resolves after `'finish'`.
 *   On failure or abort it destroys the writable with the run's error (option
 *   `destroyOnFailure`, default true) and keeps an `'error'` listener until its `'close'`, so
 *   that error is never uncaught. No other listener outlives the run.
 * - `writable` must be a Node writable: anything else throws a coded `TypeError` at call time.
 *
 * @example
 * ```ts
 * const file = createWriteStream(path);
 * await from(['a\n', 'b\n']).to(toNodeWritable(file));
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
    if (isClosed(writable)) throw writable.errored ?? new DestinationClosedError();
    const watch = watchDestination(writable);
    const flushes = new FlushTracker();
    let destroyed = false;
    try {
      const it = batches[Symbol.asyncIterator]();
      for (;;) {
        const r = await race(it.next(), watch.gone);
        if (r.done) break;
        await writeBatch(writable, r.value, signal, watch.gone, flushes);
      }
      if (end) {
        if (isClosed(writable)) throw writable.errored ?? new DestinationClosedError();
        await watch.end();
      }
    } catch (error) {
      if (destroyOnFailure && !writable.destroyed) {
        destroyed = true;
        writable.destroy(error as Error);
      }
      throw error;
    } finally {
      watch.dispose(destroyed);
    }
  });
}

async function writeBatch(
  writable: Writable,
  batch: readonly unknown[],
  signal: AbortSignal,
  gone: Promise<never>,
  flushes: FlushTracker,
): Promise<void> {
  // Someone else filled it: wait before adding to it.
  if (writable.writableNeedDrain) await race(waitForDrain(writable, signal), gone);
  let corked = false;
  try {
    for (let i = 0; i < batch.length; i++) {
      if (signal.aborted) throw signal.reason;
      if (isClosed(writable)) throw writable.errored ?? new DestinationClosedError();
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
        await race(waitForDrain(writable, signal, flushes.until(n)), gone);
      }
    }
  } finally {
    if (corked) writable.uncork();
  }
}
