/**
 * The pull protocol between the runner's parts (sources, fused kernels, stage iterators, links).
 * Internal: users see async iterables; these are the batches moving underneath them.
 */

import { sliceSpent } from './fairness.js';

/**
 * The most items the puller can use (a downstream `take(n)`, a sink like `first()`), passed up
 * to the source; sources that can cut a batch honour it. `undefined`: no limit.
 */
export type DemandHint = number | undefined;

/**
 * The batches a batch sink (`defineBatchSink`) is given: inside sluice, its iterator's `next()`
 * takes a demand hint, so a sink that can use only a few items (`first()`) says so.
 */
export interface DemandBatches<T> extends AsyncIterable<T[]> {
  /** The iterator of batches, whose `next` takes a demand hint. */
  [Symbol.asyncIterator](): DemandBatchIterator<T>;
}

/** An iterator of batches that a batch sink may tell how many items it can still use. */
export interface DemandBatchIterator<T> extends AsyncIterator<T[], unknown> {
  /**
   * The next batch; `hint` is the most items the caller can use (passed up to the source).
   * `itemwise`: the caller will take this batch's items one at a time, waiting on each (a sink
   * whose work per item is asynchronous), so a source that must wait for its items (an async
   * iterable) hands over one and reads nothing ahead of it (protocol 6.2c).
   */
  next(hint?: DemandHint, itemwise?: boolean): Promise<IteratorResult<T[], unknown>>;
}

/**
 * Each pull yields a batch (never empty unless the iterator says so); `hint` bounds its size.
 * `itemwise`: the puller takes its items one per pull (a user stage, an item sink, `for await`),
 * so a source that must wait for its items (an async iterable) hands over one and reads nothing
 * ahead of it; sources that cut batches synchronously (arrays, sync iterables) ignore it.
 */
export interface BatchIterator<T> {
  next(hint?: DemandHint, itemwise?: boolean): Promise<IteratorResult<T[], undefined>>;
  return(): Promise<unknown>;
  /**
   * True when `return()` may be called while a `next()` is pending: an async generator queues it,
   * a Node readable's iterator destroys the stream and ends the pending read. Otherwise the
   * runner waits for the pending `next()` to settle first.
   */
  readonly returnWhilePending?: boolean;
  /**
   * Present on an iterator that reports its own pulls to its link (the fused loop): the link then
   * adds no promise reaction of its own to each pull. Called once, by the link.
   */
  reportTo?(record: PullRecord<T>): void;
  /**
   * Set by a source that hands over one item per `next()` (an async iterable), once it is open: an
   * itemwise puller (the fused loop under a user stage or `for await`) then awaits the iterator's
   * own promise, item by item, with no promise of ours (what a batch pull's cut left behind comes
   * first, through a promise of ours).
   */
  readonly itemPuller?: ItemPuller<T> | undefined;
}

/** A source's one-item pull, awaited directly by the fused loop for an itemwise puller. */
export interface ItemPuller<T> {
  /** The iterator's next(): a promise, or a plain result (which `for await` tolerates too). May throw. */
  pull(): Promise<IteratorResult<T>> | IteratorResult<T>;
  /** Checks what `pull()` settled with; at the end releases the source. Throws for a broken result (after releasing). */
  took(result: unknown): IteratorResult<T>;
  /** `pull()` failed: the source is done and releases what it holds. */
  lost(): void;
}

/** What a self-reporting iterator tells its link about each pull. */
export interface PullRecord<T> {
  delivered(result: IteratorResult<T[], undefined>): IteratorResult<T[], undefined>;
  /** Returns the error to reject the pull with (the run's first one, for the last link). */
  failedWith(error: unknown): unknown;
  /** The fairness check for a source gathering items (protocol 9): true when it should cut its batch. */
  spent(size: number): boolean;
}

export { DONE } from '../kit/iteration.js';

/** What an iterator that reports its own pulls tells when nobody listens: results and errors as they are. */
export const UNRECORDED: PullRecord<never> = {
  delivered: (result) => result,
  failedWith: (error) => error,
  spent: sliceSpent,
};

/** Notified by a source when it opens and when it releases what it holds. */
export interface SourceHooks {
  opened(): void;
  released(): void;
  /** An error raised while releasing after another error already won. */
  cleanupError(error: unknown): void;
  /**
   * An error of a pull the consumer never asked for (an async source's read-ahead, after the
   * consumer stopped): told like a cleanup error (onCleanupError, the parent run, or a warning),
   * but never the run's outcome: read item by item, the run would not have met it.
   */
  unread(error: unknown): void;
  /**
   * Waits for a release the source started itself (at the end of its data), but no longer than
   * the run's cleanupTimeout: a close that never settles stays tracked in `report.closed`. The
   * release must not reject: it hands its errors to `cleanupError`.
   */
  bounded(release: Promise<void>): Promise<void>;
}
