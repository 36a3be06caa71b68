import { SluiceTypeError, from, type Pipeline } from '@sluice/core';
import { DONE, hasShape, onAbort, validateBoolean, validateKeys, validateObject } from '@sluice/core/kit';

/** Options of `fromReadableStream`. */
export interface FromReadableStreamOptions {
  /** On an early exit, release the reader without cancelling the stream (like `pipeTo`'s option). Default false. */
  readonly preventCancel?: boolean;
}

/**
 * Reads one stream through a reader, and hands it back the moment the run no longer needs it:
 * on the run's abort (or early stop, which aborts the run's signal too) the stream is cancelled
 * with `signal.reason` right away, which also settles a read that is still pending — waiting for
 * `return()` would wait for that read first, and a stalled stream would never be cancelled.
 */
function readerIterator<T>(
  stream: ReadableStream<T>,
  signal: AbortSignal,
  preventCancel: boolean,
): AsyncIterableIterator<T> {
  const reader = stream.getReader();
  let closing: Promise<void> | undefined;
  const finish = (cancel: boolean): Promise<void> => {
    closing ??= (async () => {
      unlink();
      try {
        if (cancel && !preventCancel) await reader.cancel(signal.aborted ? signal.reason : undefined);
      } finally {
        reader.releaseLock();
      }
    })();
    return closing;
  };
  // Assigned after the call: an aborted signal runs the callback (and finish) before onAbort returns.
  let unlink = (): void => undefined;
  // An error from the stream's cancel is reported through return(), which the runner awaits.
  unlink = onAbort(signal, () => finish(true).catch(() => undefined));
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      if (closing) return DONE;
      let r: Awaited<ReturnType<ReadableStreamDefaultReader<T>['read']>>;
      try {
        r = await reader.read();
      } catch (error) {
        await finish(false);
        throw error;
      }
      if (closing) return DONE;
      if (r.done) {
        await finish(false);
        return DONE;
      }
      return { done: false, value: r.value };
    },
    async return() {
      await finish(true);
      return DONE;
    },
  };
}

/**
 * Starts a pipeline from a Web `ReadableStream`.
 *
 * *Contract*
 * - Lazy: the stream is locked (a reader acquired) on the first pull, not before.
 * - One chunk per pull, in order, no read-ahead beyond what the stream itself queues.
 * - The end of the stream releases the reader; a stream error fails the run with that error.
 * - On early exit (`break`, `take`), error or abort the stream is cancelled with the run's
 *   `signal.reason` and the reader released — at once, even while a read is pending
 *   (`preventCancel: true` only releases the reader, leaving the stream readable).
 * - A stream can be read once: a second run of this pipeline fails with a coded `TypeError`.
 *
 * @example
 * ```ts doctest
 * const stream = new ReadableStream<number>({
 *   start(controller) {
 *     for (const n of [1, 2, 3]) controller.enqueue(n);
 *     controller.close();
 *   },
 * });
 * await fromReadableStream(stream).toArray(); // => [1, 2, 3]
 * stream.locked; // => false
 * ```
 */
export function fromReadableStream<T>(stream: ReadableStream<T>, options: FromReadableStreamOptions = {}): Pipeline<T> {
  if (!hasShape(() => typeof (stream as Partial<ReadableStream<T>> | null)?.getReader === 'function')) {
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_SOURCE',
      'fromReadableStream(stream): stream must be a ReadableStream',
    );
  }
  validateObject(options, 'fromReadableStream(stream, options)');
  validateKeys(options, ['preventCancel'], 'fromReadableStream(stream, options)');
  const preventCancel =
    options.preventCancel === undefined
      ? false
      : validateBoolean(options.preventCancel, 'fromReadableStream(stream, options).preventCancel');
  let used = false;
  return from<T>(function readableStream({ signal }) {
    if (used) {
      throw new SluiceTypeError(
        'ERR_SLUICE_INVALID_SOURCE',
        'fromReadableStream(): a ReadableStream can be read by one run only, and this pipeline already ran',
      );
    }
    used = true;
    return readerIterator(stream, signal, preventCancel);
  });
}
