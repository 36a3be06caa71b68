import { SluiceTypeError } from './errors.js';
import { describeValue, isUnreadable } from './kit/describe.js';
import { AsyncItemSource } from './internal/async-source.js';
import { arraySource, syncIterableSource, type BatchLimits } from './internal/sync-source.js';
import {
  DONE,
  UNRECORDED,
  type BatchIterator,
  type DemandHint,
  type PullRecord,
  type SourceHooks,
} from './internal/protocol.js';
import type { StageContext } from './types.js';

export type { BatchLimits };

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

export function isSourceInput(input: unknown): boolean {
  if (input === null || input === undefined) return false;
  if (typeof input === 'string') return true;
  if ((typeof input !== 'object' && typeof input !== 'function') || isUnreadable(input)) return false;
  const o = input as Record<symbol | string, unknown>;
  return (
    typeof o[Symbol.iterator] === 'function' ||
    typeof o[Symbol.asyncIterator] === 'function' ||
    typeof o.getReader === 'function'
  );
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
export function inputToBatches<T>(
  input: unknown,
  limits: BatchLimits,
  hooks: SourceHooks,
  what: string,
): BatchIterator<T> {
  if (isUnreadable(input)) throw notASource(input, what);
  if (typeof input === 'string' || input instanceof Uint8Array) {
    // Like Readable.from(): a string or buffer is one chunk, not a sequence of characters or bytes.
    return arraySource([input as T], limits, hooks);
  }
  if (Array.isArray(input)) return arraySource(input as T[], limits, hooks);
  if (input !== null && (typeof input === 'object' || typeof input === 'function')) {
    const o = input as Record<symbol | string, unknown>;
    if (typeof o[Symbol.asyncIterator] === 'function')
      return new AsyncItemSource(input as AsyncIterable<T>, limits, hooks, what);
    if (typeof o[Symbol.iterator] === 'function') return syncIterableSource(input as Iterable<T>, limits, hooks, what);
    if (typeof o.getReader === 'function')
      return new AsyncItemSource(webStreamIterable(input as ReadableStreamLike<T>), limits, hooks, what);
  }
  throw notASource(input, what);
}

function notASource(input: unknown, what: string): SluiceTypeError {
  return new SluiceTypeError(
    'ERR_SLUICE_INVALID_SOURCE',
    `${what} must be an array, an iterable, an async iterable, a Node readable or a ReadableStream, got ${describeValue(input)}`,
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
  let record: PullRecord<T> = UNRECORDED;
  /** Pulls what the factory made: it reports to the link itself, or we do. */
  const pull = (made: BatchIterator<T>, hint: DemandHint, itemwise: boolean | undefined) =>
    made.reportTo
      ? made.next(hint, itemwise)
      : made.next(hint, itemwise).then(record.delivered, (error: unknown) => {
          throw record.failedWith(error);
        });
  /** The first pull: calls the factory (its promise awaited), then pulls what it made. */
  const open = async (hint: DemandHint, itemwise: boolean | undefined): Promise<IteratorResult<T[], undefined>> => {
    let made: BatchIterator<T>;
    try {
      if (closed) return record.delivered(DONE);
      const value = await factory(ctx);
      if (closed || ctx.signal.aborted) {
        // Torn down while the factory ran: what it opened is ours to close.
        const closable = value as { destroy?: () => void; cancel?: () => Promise<void> } | null;
        if (typeof closable?.destroy === 'function') closable.destroy();
        else if (typeof closable?.cancel === 'function') await closable.cancel();
        return record.delivered(DONE);
      }
      made = inputToBatches<T>(value, limits, hooks, 'the value returned by the source function');
    } catch (error) {
      throw record.failedWith(error);
    }
    made.reportTo?.(record);
    inner = made;
    return pull(made, hint, itemwise);
  };
  return {
    get returnWhilePending() {
      return inner?.returnWhilePending === true;
    },
    get itemPuller() {
      return closed ? undefined : inner?.itemPuller;
    },
    reportTo(link) {
      record = link;
    },
    next(hint, itemwise) {
      if (inner !== undefined && !closed) return pull(inner, hint, itemwise);
      return open(hint, itemwise);
    },
    async return() {
      closed = true;
      return inner?.return();
    },
  };
}
