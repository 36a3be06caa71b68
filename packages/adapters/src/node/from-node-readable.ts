import type { Readable } from 'node:stream';
import { SluiceTypeError, fromResource, type Pipeline, type ReadContext } from '@sluice/core';
import { Notifier, hasShape, validateBoolean, validateKeys, validateObject } from '@sluice/core/kit';

/** Options of `fromNodeReadable()`. */
export interface FromNodeReadableOptions {
  /**
   * Destroy the readable when a run ends before the readable's end (early exit, error, abort).
   * Default `true`, as `readable.iterator()` does.
   */
  readonly destroyOnReturn?: boolean;
}

function prematureClose(): Error {
  return Object.assign(new Error('The readable was destroyed before its end'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

/** A run's hold on the readable: its listeners and the one wake-up a pending read waits for. */
class ReadableCursor {
  private readonly changed = new Notifier();
  private error: { readonly value: unknown } | undefined;
  private readonly onReadable = () => this.changed.notify();
  private readonly onError = (error: unknown) => {
    this.error ??= { value: error };
    this.changed.notify();
  };

  constructor(readonly readable: Readable) {
    readable.on('readable', this.onReadable);
    readable.on('end', this.onReadable);
    readable.on('close', this.onReadable);
    readable.on('error', this.onError);
  }

  /** What is buffered now (up to `hint` objects), waiting for more only when nothing is; null at the end. */
  async read({ signal, hint }: ReadContext): Promise<unknown[] | null> {
    const r = this.readable;
    for (;;) {
      this.throwIfFailed();
      const batch: unknown[] = [];
      const max = r.readableObjectMode && hint !== undefined && hint > 0 ? hint : Infinity;
      // In byte mode one read() returns everything buffered (as readable.iterator() does).
      while (batch.length < max && !r.destroyed) {
        const chunk: unknown = r.read();
        if (chunk === null) break;
        batch.push(chunk);
        if (!r.readableObjectMode) break;
      }
      if (batch.length > 0) return batch;
      this.throwIfFailed(); // read() can destroy it with an error synchronously
      if (r.readableEnded) return null;
      if (r.destroyed) throw prematureClose();
      if (signal.aborted) throw signal.reason;
      await this.changed.wait(signal);
    }
  }

  private throwIfFailed(): void {
    if (this.error) throw this.error.value;
    if (this.readable.errored) throw this.readable.errored;
  }

  close(destroy: boolean): void {
    const r = this.readable;
    r.off('readable', this.onReadable);
    r.off('end', this.onReadable);
    r.off('close', this.onReadable);
    // Destroyed with an error it has not emitted yet: keep a listener until 'close', or it is uncaught.
    const state = (r as { _readableState?: { errorEmitted?: boolean } })._readableState;
    if (r.errored != null && state?.errorEmitted === false) r.once('close', () => r.off('error', this.onError));
    else r.off('error', this.onError);
    // Without an error: a destroy(err) would emit an 'error' nobody listens to any more.
    if (destroy && !r.destroyed && !r.readableEnded) r.destroy();
    this.changed.notify();
  }
}

/**
 * Starts a pipeline from a Node readable (a file stream, a socket, an HTTP request, a
 * `Readable.from()`), in object mode or as bytes.
 *
 * Contract:
 * - Order is kept. Each pull takes what the readable has buffered (its `highWaterMark`): all
 *   the buffered objects as one batch (at most what a downstream `take` wants), or one chunk of
 *   bytes; it waits for `'readable'` only when nothing is buffered. No read-ahead of its own.
 * - Lazy: nothing is read and no listener is added before the first pull.
 * - The readable's error fails the run unchanged; a readable destroyed before its end fails it
 *   with `ERR_STREAM_PREMATURE_CLOSE`.
 * - On early exit, error or abort the readable is destroyed (without an error) exactly once, at
 *   once even while a pull is waiting for data (option `destroyOnReturn`, default true). A
 *   readable that already ended is left alone.
 * - A readable can be consumed once: a second run over it finds it ended (no items) or
 *   destroyed (`ERR_STREAM_PREMATURE_CLOSE`).
 *
 * @example
 * ```ts doctest
 * await fromNodeReadable<string>(Readable.from(['a', 'b'])).toArray(); // => ['a', 'b']
 * ```
 */
export function fromNodeReadable<T = Buffer>(readable: Readable, options: FromNodeReadableOptions = {}): Pipeline<T> {
  const r = readable as Partial<Readable> | null;
  if (
    !hasShape(
      () =>
        typeof r === 'object' &&
        r !== null &&
        typeof r.read === 'function' &&
        typeof r.on === 'function' &&
        typeof r.destroy === 'function',
    )
  ) {
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_SOURCE',
      'fromNodeReadable(readable): readable must be a Node readable stream',
    );
  }
  validateObject(options, 'fromNodeReadable(readable, options)');
  validateKeys(options, ['destroyOnReturn'], 'fromNodeReadable(readable, options)');
  const destroy =
    options.destroyOnReturn === undefined
      ? true
      : validateBoolean(options.destroyOnReturn, 'fromNodeReadable(…, options).destroyOnReturn');
  return fromResource<ReadableCursor, T>({
    name: 'fromNodeReadable',
    open: () => new ReadableCursor(readable),
    read: (cursor, ctx) => cursor.read(ctx) as Promise<T[] | null>,
    close: (cursor) => cursor.close(destroy),
  });
}
