import type { Writable } from 'node:stream';
import { SluiceTypeError } from '@sluice/core';
import { Notifier, hasShape, validateObject, validateSignal } from '@sluice/core/kit';
import { DestinationClosedError } from '../internal/errors.js';
import { rejectOnAbort, waitFor } from '../internal/wait.js';

/** Options of `write` and `waitForDrain`. */
export interface WriteOptions {
  /** Aborting it ends the wait for `'drain'` with the signal's reason. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * True when `writable` can no longer take writes: destroyed, ended, finished or errored — or,
 * for an HTTP message, its socket is destroyed or errored.
 *
 * Contract:
 * - Decided by state only, synchronously; `writable.writable` is not used (it stays `true` on
 *   a destroyed `ServerResponse`). A `ServerResponse` whose client vanished is not `destroyed`
 *   until its socket's `'close'` event, which a writer that never yields to the event loop never
 *   lets happen, and on Node 22 and 24 its writes keep returning `true`; its socket is `errored`
 *   by the first failed write, so that is checked too.
 *
 * @example
 * ```ts doctest
 * const w = new PassThrough();
 * isClosed(w); // => false
 * w.destroy();
 * isClosed(w); // => true
 * ```
 */
export function isClosed(writable: Writable): boolean {
  return (
    writable.destroyed ||
    writable.writableEnded ||
    writable.writableFinished ||
    writable.errored != null ||
    socketGone(socketOf(writable))
  );
}

/**
 * A socket that failed: `errored` is set the moment a write fails (`EPIPE`, `ECONNRESET`), while
 * `destroyed` and every event wait for a later tick.
 */
export function socketGone(socket: Writable | null | undefined): boolean {
  return socket != null && (socket.destroyed || socket.errored != null);
}

function socketOf(writable: Writable): Writable | null | undefined {
  return (writable as { socket?: Writable | null }).socket;
}

/** Why `writable` cannot take writes: its error (or its socket's), else a `DestinationClosedError`. */
export function closedError(writable: Writable): unknown {
  return writable.errored ?? socketOf(writable)?.errored ?? new DestinationClosedError();
}

/** Throws a coded `TypeError` naming `what` unless `value` looks like a Node writable. */
export function assertWritable(value: unknown, what: string): Writable {
  const w = value as Partial<Writable> | null;
  const ok = hasShape(
    () =>
      typeof w === 'object' &&
      w !== null &&
      typeof w.write === 'function' &&
      typeof w.on === 'function' &&
      typeof w.end === 'function',
  );
  if (!ok) throw new SluiceTypeError('ERR_SLUICE_INVALID_ARGUMENT', `${what} must be a Node writable stream`);
  return value as Writable;
}

function validateDrainArguments(writable: unknown, signal: unknown, flushed: unknown): void {
  assertWritable(writable, 'waitForDrain(writable)');
  if (signal !== undefined) validateSignal(signal, 'waitForDrain(writable, signal)');
  if (flushed !== undefined && !hasShape(() => typeof (flushed as PromiseLike<unknown> | null)?.then === 'function')) {
    throw new SluiceTypeError('ERR_SLUICE_INVALID_ARGUMENT', 'waitForDrain(…, flushed) must be a promise or undefined');
  }
}

/**
 * Waits until `writable` wants more data.
 *
 * Contract:
 * - Resolves at once when no drain is needed (`writableNeedDrain` is false, or nothing is
 *   buffered), otherwise on `'drain'` — or when `flushed` settles: pass the flush of the write
 *   that returned false (see `FlushTracker`), because Node 26's `ServerResponse` can return false
 *   from `write()` and then never emit `'drain'` when its socket never needed one.
 * - Rejects, never hangs: with `signal.reason` on abort (at once if already aborted), with the
 *   writable's error when it errored (before or during the wait), with a `DestinationClosedError`
 *   when it is closed, destroyed without an error, or ended by someone else (`'finish'`; Node
 *   emits no `'drain'` once `end()` was called, and nothing at all until the pending writes
 *   complete, so a foreign `end()` is seen when the writable finishes).
 * - Removes every listener it added whichever event wins: a loop of waits never grows the
 *   writable's or the signal's listener counts.
 * - Validates its arguments when called: a coded `TypeError` is thrown at once, not returned.
 *
 * @example
 * ```ts doctest
 * const written: string[] = [];
 * // a writable that takes one chunk at a time and flushes it a turn later
 * const w = new Writable({
 *   highWaterMark: 1,
 *   write(chunk, _encoding, done) {
 *     setImmediate(() => (written.push(String(chunk)), done()));
 *   },
 * });
 * const { signal } = new AbortController();
 * for (const chunk of ['a', 'b', 'c']) {
 *   if (!w.write(chunk)) await waitForDrain(w, signal);
 *   w.writableLength; // => 0
 * }
 * written; // => ['a', 'b', 'c']
 * ```
 */
export function waitForDrain(writable: Writable, signal?: AbortSignal, flushed?: PromiseLike<unknown>): Promise<void> {
  validateDrainArguments(writable, signal, flushed);
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (isClosed(writable)) return Promise.reject(closedError(writable));
  if (!writable.writableNeedDrain || writable.writableLength === 0) return Promise.resolve();
  return waitFor<void>((waiting) => {
    const drained = () => waiting.resolve();
    const gone = () => waiting.reject(closedError(writable));
    waiting.listen(writable, 'drain', drained);
    waiting.listen(writable, 'close', gone);
    waiting.listen(writable, 'finish', gone);
    waiting.listen(writable, 'error', (error: Error) => waiting.reject(error));
    rejectOnAbort(waiting, signal);
    flushed?.then(drained, drained);
  });
}

/**
 * Counts write callbacks (Node calls them in order, once each chunk is flushed), so a drain wait
 * can also end when the chunk that filled the buffer has been flushed, and records the first
 * error a callback reports: a destination that failed under the writer (an HTTP client gone,
 * `ECONNRESET`/`EPIPE`) says so first, and sometimes only, there. One shared callback: no
 * allocation per write.
 */
export class FlushTracker {
  private written = 0;
  private done = 0;
  private readonly flushed = new Notifier();
  /** The first error a write callback reported. */
  failure: { readonly error: unknown } | undefined;

  /** `onFailure` is called once, with the first error a write callback reports. */
  constructor(private readonly onFailure?: (error: unknown) => void) {}

  /** Pass as the callback of every `write()`. */
  readonly callback = (error?: Error | null): void => {
    this.done++;
    if (error != null && !this.failure) {
      this.failure = { error };
      this.onFailure?.(error);
    }
    this.flushed.notify();
  };

  /** Call after each `write()`; returns the number of that write. */
  wrote(): number {
    return ++this.written;
  }

  /** Resolves once write number `n` has been flushed (or failed: check `failure`). */
  async until(n: number): Promise<void> {
    while (this.done < n) await this.flushed.wait();
  }
}

/**
 * Writes one chunk, honouring `write()`'s return value: when the writable's buffer is full it
 * waits for `'drain'`, raced against `'close'`, `'finish'`, `'error'` and the signal, with the
 * losers' listeners removed.
 *
 * Contract:
 * - Waits before writing when the buffer is already full, and after writing when `write()`
 *   returned `false`: a loop of `write()` calls never buffers more than `highWaterMark` + 1 chunks.
 * - Rejects with a `DestinationClosedError` when the writable was closed or ended by someone
 *   else, with the writable's error when it errored, with `signal.reason` on abort. Never hangs
 *   and never leaves a listener behind.
 * - Validates its arguments on every call (coded `TypeError`).
 *
 * @example
 * ```ts doctest
 * const w = new PassThrough();
 * const { signal } = new AbortController();
 * await write(w, 'hello\n', { signal });
 * String(w.read()); // => 'hello\n'
 * ```
 */
export async function write(writable: Writable, chunk: unknown, options: WriteOptions = {}): Promise<void> {
  assertWritable(writable, 'write(writable)');
  validateObject(options, 'write(writable, chunk, options)');
  const signal = options.signal === undefined ? undefined : validateSignal(options.signal, 'write(…, options).signal');
  if (signal?.aborted) throw signal.reason;
  if (isClosed(writable)) throw closedError(writable);
  if (writable.writableNeedDrain) await waitForDrain(writable, signal);
  let flushed!: () => void;
  let failure: { readonly error: unknown } | undefined;
  const flush = new Promise<void>((resolve) => (flushed = resolve));
  const ok = writable.write(chunk, (error?: Error | null) => {
    if (error != null) failure = { error };
    flushed();
  });
  if (ok) return;
  await waitForDrain(writable, signal, flush);
  if (failure) throw failure.error;
}
