import { SluiceTypeError, describe } from './errors.js';
import type { StageContext } from './types.js';

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
  getReader(): unknown;
  [Symbol.asyncIterator]?: () => AsyncIterator<T>;
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

/** Index of the first promise-like item, or -1 (kept out of any async function so it stays fast). */
function firstThenable(batch: readonly unknown[]): number {
  for (let i = 0; i < batch.length; i++) if (isThenable(batch[i])) return i;
  return -1;
}

/** Like `for await` over an array: promises in the batch are awaited, in order. */
async function settleBatch<T>(batch: T[], from: number): Promise<IteratorResult<T[], undefined>> {
  for (let i = from; i < batch.length; i++) {
    if (isThenable(batch[i])) batch[i] = (await batch[i]) as T;
  }
  return { done: false, value: batch };
}

/** Arrays: cut into batches (one copy per batch; the caller's array is never modified). */
function arraySource<T>(items: readonly T[], batchSize: number, hooks: SourceHooks): BatchIterator<T> {
  let index = 0;
  let open = false;
  let done = false;
  const finish = () => {
    if (!done) {
      done = true;
      hooks.released();
    }
  };
  return {
    next(hint) {
      if (done) return Promise.resolve(DONE);
      if (!open) {
        open = true;
        hooks.opened();
      }
      if (index >= items.length) {
        finish();
        return Promise.resolve(DONE);
      }
      const size = hint !== undefined && hint > 0 && hint < batchSize ? hint : batchSize;
      const batch = items.slice(index, index + size);
      index += batch.length;
      if (index >= items.length) finish();
      const pending = firstThenable(batch);
      return pending < 0 ? Promise.resolve({ done: false, value: batch }) : settleBatch(batch, pending);
    },
    async return() {
      if (open) finish();
      else done = true;
      return DONE;
    },
  };
}

/** Sync iterables: up to a batch per pull; thenables are awaited like `for await` does. */
function syncIterableSource<T>(iterable: Iterable<T>, batchSize: number, hooks: SourceHooks): BatchIterator<T> {
  let it: Iterator<T> | undefined;
  let done = false;
  const finish = () => {
    if (!done) {
      done = true;
      if (it) hooks.released();
    }
  };
  const close = () => {
    if (done) return;
    try {
      it?.return?.();
    } finally {
      finish();
    }
  };
  return {
    async next(hint) {
      if (done) return DONE;
      if (!it) {
        hooks.opened();
        try {
          it = iterable[Symbol.iterator]();
        } catch (error) {
          done = true;
          hooks.released();
          throw error;
        }
      }
      const size = hint !== undefined && hint > 0 && hint < batchSize ? hint : batchSize;
      const batch: T[] = [];
      while (batch.length < size) {
        let r: IteratorResult<T>;
        try {
          r = it.next();
        } catch (error) {
          finish();
          throw error;
        }
        if (r.done) {
          finish();
          break;
        }
        let value = r.value;
        if (isThenable(value)) {
          try {
            value = (await value) as T;
          } catch (error) {
            // `for await` over a sync iterator leaves it open on Node 20 and 22: close it here.
            close();
            throw error;
          }
        }
        batch.push(value);
      }
      return batch.length > 0 ? { done: false, value: batch } : DONE;
    },
    async return() {
      close();
      return DONE;
    },
  };
}

/** Async iterables (and Node readables): one item per pull, since asking for more would read ahead. */
function asyncIterableSource<T>(iterable: AsyncIterable<T>, hooks: SourceHooks): BatchIterator<T> {
  let it: AsyncIterator<T> | undefined;
  let done = false;
  const onResult = (r: IteratorResult<T>): IteratorResult<T[], undefined> => {
    if (!r.done) return { done: false, value: [r.value] };
    done = true;
    hooks.released();
    return DONE;
  };
  const onError = (error: unknown): never => {
    done = true;
    hooks.released();
    throw error;
  };
  return {
    returnWhilePending: true,
    next() {
      if (done) return Promise.resolve(DONE);
      if (!it) {
        hooks.opened();
        try {
          it = iterable[Symbol.asyncIterator]();
        } catch (error) {
          return Promise.reject(onError(error));
        }
      }
      let pulled: Promise<IteratorResult<T>>;
      try {
        pulled = it.next();
      } catch (error) {
        return Promise.reject(onError(error));
      }
      // `for await` tolerates an iterator that returns plain results; so do we.
      return (pulled instanceof Promise ? pulled : Promise.resolve(pulled)).then(onResult, onError);
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
export function inputToBatches<T>(input: unknown, batchSize: number, hooks: SourceHooks, what: string): BatchIterator<T> {
  if (typeof input === 'string' || input instanceof Uint8Array) {
    // Like Readable.from(): a string or buffer is one chunk, not a sequence of characters or bytes.
    return arraySource([input as T], batchSize, hooks);
  }
  if (Array.isArray(input)) return arraySource(input as T[], batchSize, hooks);
  if (input !== null && (typeof input === 'object' || typeof input === 'function')) {
    const o = input as Record<symbol | string, unknown>;
    if (typeof o[Symbol.asyncIterator] === 'function') return asyncIterableSource(input as AsyncIterable<T>, hooks);
    if (typeof o[Symbol.iterator] === 'function') return syncIterableSource(input as Iterable<T>, batchSize, hooks);
    if (typeof o.getReader === 'function') return asyncIterableSource(webStreamIterable(input as ReadableStreamLike<T>), hooks);
  }
  throw new SluiceTypeError(
    'ERR_SLUICE_INVALID_SOURCE',
    `${what} must be an array, an iterable, an async iterable, a Node readable or a ReadableStream, got ${describe(input)}`,
  );
}

/** A source given as a function: called lazily, on the first pull, with the run's context. */
export function lazySource<T>(
  factory: (ctx: StageContext) => unknown,
  batchSize: number,
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
        inner = inputToBatches<T>(made, batchSize, hooks, 'the value returned by the source function');
      }
      return inner.next(hint);
    },
    async return() {
      closed = true;
      return inner?.return();
    },
  };
}
