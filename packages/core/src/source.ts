import { SluiceTypeError, describe } from './errors.js';
import { checkResult, openIterator } from './internal/iterator-protocol.js';
import { arraySource, syncIterableSource, type BatchLimits } from './internal/sync-source.js';
import type { StageContext } from './types.js';

export type { BatchLimits };

/**
 * The internal pull protocol between the runner's parts: each pull yields a batch. `hint` is the
 * most items the caller can use (a downstream `take`); sources that can cut a batch honour it.
 */
export interface BatchIterator<T> {
  next(hint?: number): Promise<IteratorResult<T[], undefined>>;
  return(): Promise<unknown>;
  /**
   * True when `return()` may be called while a `next()` is pending: an async generator queues it,
   * a Node readable's iterator destroys the stream and ends the pending read. Otherwise the
   * runner waits for the pending `next()` to settle first.
   */
  readonly returnWhilePending?: boolean;
}

export const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** Notified by a source when it opens and when it releases what it holds. */
export interface SourceHooks {
  opened(): void;
  released(): void;
  /** An error raised while releasing after another error already won. */
  cleanupError(error: unknown): void;
  /**
   * Waits for a release the source started itself (at the end of its data), but no longer than
   * the run's cleanupTimeout: a close that never settles stays tracked in `report.closed`. The
   * release must not reject: it hands its errors to `cleanupError`.
   */
  bounded(release: Promise<void>): Promise<void>;
}

/** A source description the builder keeps; it is opened anew by every run. */
export interface SourceSpec<T> {
  readonly name: string;
  open(ctx: StageContext, hooks: SourceHooks): BatchIterator<T>;
}

/** Anything `from()` accepts directly. */
export type SourceInput<T> = Iterable<T> | AsyncIterable<T> | ReadableStreamLike<T>;

/** The part of a Web `ReadableStream` sluice uses (Node's and the global one both fit). */
export interface ReadableStreamLike<T> {
  /** Tells a stream apart from other iterables. */
  getReader(): unknown;
  /** Async iteration, which sluice reads the stream with. */
  [Symbol.asyncIterator]?: () => AsyncIterator<T>;
  /** Async iteration with options (`preventCancel`). */
  values?: (options?: { preventCancel?: boolean }) => AsyncIterator<T>;
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

export function isSourceInput(input: unknown): boolean {
  if (input === null || input === undefined) return false;
  if (typeof input === 'string') return true;
  if (typeof input !== 'object' && typeof input !== 'function') return false;
  const o = input as Record<symbol | string, unknown>;
  return (
    typeof o[Symbol.iterator] === 'function' ||
    typeof o[Symbol.asyncIterator] === 'function' ||
    typeof o.getReader === 'function'
  );
}

/** Async iterables (and Node readables): one item per pull, since asking for more would read ahead. */
function asyncIterableSource<T>(iterable: AsyncIterable<T>, hooks: SourceHooks, what: string): BatchIterator<T> {
  let it: AsyncIterator<T> | undefined;
  let done = false;
  const onResult = (result: IteratorResult<T>): IteratorResult<T[], undefined> | Promise<never> => {
    let r: IteratorResult<T>;
    try {
      r = checkResult<T>(result, what, false);
    } catch (error) {
      // A broken result is the iterator's own failure: it is not closed (as with `for await`).
      return fail(error);
    }
    if (!r.done) return { done: false, value: [r.value] };
    done = true;
    hooks.released();
    return DONE;
  };
  const fail = (error: unknown): Promise<never> => {
    done = true;
    hooks.released();
    return Promise.reject(error);
  };
  return {
    returnWhilePending: true,
    next() {
      if (done) return Promise.resolve(DONE);
      let pulled: unknown;
      try {
        if (!it) {
          hooks.opened();
          it = openIterator<AsyncIterator<T>>(iterable, Symbol.asyncIterator, what);
        }
        pulled = it.next();
      } catch (error) {
        return fail(error);
      }
      // `for await` tolerates an iterator that returns plain results; so do we.
      return (pulled instanceof Promise ? pulled : Promise.resolve(pulled)).then(onResult, fail);
    },
    async return() {
      if (done) return DONE;
      done = true;
      if (!it) return DONE;
      try {
        await it.return?.();
      } finally {
        hooks.released();
      }
      return DONE;
    },
  };
}

function webStreamIterable<T>(stream: ReadableStreamLike<T>): AsyncIterable<T> {
  if (typeof stream.values === 'function') {
    const values = stream.values.bind(stream);
    return { [Symbol.asyncIterator]: () => values({ preventCancel: false }) };
  }
  if (typeof stream[Symbol.asyncIterator] === 'function') return stream as AsyncIterable<T>;
  throw new SluiceTypeError('ERR_SLUICE_INVALID_SOURCE', 'this ReadableStream cannot be iterated (no values() method)');
}

/** Turns any accepted input into a batch iterator; throws a coded TypeError for anything else. */
export function inputToBatches<T>(input: unknown, limits: BatchLimits, hooks: SourceHooks, what: string): BatchIterator<T> {
  if (typeof input === 'string' || input instanceof Uint8Array) {
    // Like Readable.from(): a string or buffer is one chunk, not a sequence of characters or bytes.
    return arraySource([input as T], limits, hooks);
  }
  if (Array.isArray(input)) return arraySource(input as T[], limits, hooks);
  if (input !== null && (typeof input === 'object' || typeof input === 'function')) {
    const o = input as Record<symbol | string, unknown>;
    if (typeof o[Symbol.asyncIterator] === 'function') return asyncIterableSource(input as AsyncIterable<T>, hooks, what);
    if (typeof o[Symbol.iterator] === 'function') return syncIterableSource(input as Iterable<T>, limits, hooks, what);
    if (typeof o.getReader === 'function') return asyncIterableSource(webStreamIterable(input as ReadableStreamLike<T>), hooks, what);
  }
  throw new SluiceTypeError(
    'ERR_SLUICE_INVALID_SOURCE',
    `${what} must be an array, an iterable, an async iterable, a Node readable or a ReadableStream, got ${describe(input)}`,
  );
}

/** A source given as a function: called lazily, on the first pull, with the run's context. */
export function lazySource<T>(
  factory: (ctx: StageContext) => unknown,
  limits: BatchLimits,
  ctx: StageContext,
  hooks: SourceHooks,
): BatchIterator<T> {
  let inner: BatchIterator<T> | undefined;
  let closed = false;
  return {
    get returnWhilePending() {
      return inner?.returnWhilePending === true;
    },
    async next(hint) {
      if (closed) return DONE;
      if (!inner) {
        const made = await factory(ctx);
        if (closed || ctx.signal.aborted) {
          // Torn down while the factory ran: what it opened is ours to close.
          const closable = made as { destroy?: () => void; cancel?: () => Promise<void> } | null;
          if (typeof closable?.destroy === 'function') closable.destroy();
          else if (typeof closable?.cancel === 'function') await closable.cancel();
          return DONE;
        }
        inner = inputToBatches<T>(made, limits, hooks, 'the value returned by the source function');
      }
      return inner.next(hint);
    },
    async return() {
      closed = true;
      return inner?.return();
    },
  };
}
