import type { Writable } from 'node:stream';
import { validateObject, validateSignal, SluiceTypeError } from '@sluice/core';
import { DestinationClosedError } from '../internal/errors.js';

export interface WriteOptions {
  readonly signal?: AbortSignal | undefined;
}

/** True when `writable` can no longer take writes (destroyed, ended, finished or errored). */
export function isClosed(writable: Writable): boolean {
  return writable.destroyed || writable.writableEnded || writable.writableFinished || writable.errored != null;
}

function closedError(writable: Writable): unknown {
  return writable.errored ?? new DestinationClosedError();
}

export function assertWritable(value: unknown, what: string): Writable {
  const w = value as Partial<Writable> | null;
  if (typeof w !== 'object' || w === null || typeof w.write !== 'function' || typeof w.on !== 'function' || typeof w.end !== 'function') {
    throw new SluiceTypeError('ERR_SLUICE_INVALID_ARGUMENT', `${what} must be a Node writable stream`);
  }
  return value as Writable;
}

/**
 * Waits until `writable` wants more data: resolves on `'drain'`, rejects on `'close'`, `'finish'`
 * (someone else ended it), `'error'` or the signal, and removes every listener it added whichever
 * wins. Resolves at once when no drain is needed.
 */
export function waitForDrain(writable: Writable, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (isClosed(writable)) return Promise.reject(closedError(writable));
  if (!writable.writableNeedDrain) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const cleanup = () => {
      writable.off('drain', onDrain);
      writable.off('close', onGone);
      writable.off('finish', onGone);
      writable.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onGone = () => {
      cleanup();
      reject(closedError(writable));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onAbort = () => {
      cleanup();
      reject(signal!.reason);
    };
    writable.on('drain', onDrain);
    writable.on('close', onGone);
    writable.on('finish', onGone);
    writable.on('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Writes one chunk, honouring `write()`'s return value: when the writable's buffer is full it
 * waits for `'drain'`, raced against `'close'`, `'finish'`, `'error'` and the signal, with the
 * losers' listeners removed. Rejects with a `DestinationClosedError` when the writable was
 * closed or ended by someone else, with the writable's error when it errored, and with
 * `signal.reason` on abort. Never hangs and never leaves a listener behind.
 *
 * @example
 * ```ts
 * await write(process.stdout, 'hello\n', { signal });
 * ```
 */
export async function write(writable: Writable, chunk: unknown, options: WriteOptions = {}): Promise<void> {
  assertWritable(writable, 'write(writable)');
  validateObject(options, 'write(writable, chunk, options)');
  const signal = options.signal === undefined ? undefined : validateSignal(options.signal, 'write(…, options).signal');
  if (signal?.aborted) throw signal.reason;
  if (isClosed(writable)) throw closedError(writable);
  if (writable.writableNeedDrain) await waitForDrain(writable, signal);
  if (!writable.write(chunk)) await waitForDrain(writable, signal);
}
