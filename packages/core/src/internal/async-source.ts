import { setImmediate } from 'node:timers';
import { checkResult, openIterator } from './iterator-protocol.js';
import {
  DONE,
  UNRECORDED,
  type BatchIterator,
  type DemandHint,
  type ItemPuller,
  type PullRecord,
  type SourceHooks,
} from './protocol.js';
import { itemBytes, sizeFor, type BatchLimits } from './sync-source.js';

type Settled = { readonly result: unknown } | { readonly error: unknown };

/**
 * An async iterable (an async generator, a driver's iterator, a Node readable, a Web stream): one
 * item per `next()`. A pull is answered with a batch of the items the iterator hands over before
 * the event loop turns: the batch is cut at `size` items, at `bytes`, at the end of the fairness
 * slice, or by a `setImmediate` armed once the batch holds an item, whichever comes first (ADR 0005).
 *
 * - A source that waits for I/O between items gets batches of what arrived together (a driver's
 *   page of rows, a readable's buffered chunks), delivered in the same turn of the loop.
 * - A source that never waits (a generator computing its items) fills the batch: its items cost
 *   one `await` each here, like a `for await` over it, and the runner's promises are per batch.
 * - Read-ahead: at most the batch, plus the one `next()` that was pending when the turn of the
 *   loop cut it; its item (or error) is kept for the next pull. An itemwise pull (a user stage,
 *   `for await`), `batchSize: 1` or a demand of one (`first()`) gets one item and reads nothing
 *   ahead; the fused loop under an itemwise puller uses `itemPuller`, the iterator's own promises.
 *
 * Gathering is one async loop per source (`gather`), which awaits the iterator's own promises.
 * The consumer's pull (`next`) is a promise of ours that the loop, or the cut, resolves.
 */
export class AsyncItemSource<T> implements BatchIterator<T> {
  /**
   * An async generator (a Node readable's iterator is one) queues a `return()` behind a pending
   * `next()`; `return()` below also destroys a Node readable whose read a cut left pending.
   */
  readonly returnWhilePending = true;
  private it: AsyncIterator<T> | undefined;
  /** No more `next()` goes to the iterator: it ended, failed, or was returned. */
  private done = false;
  /** `return()` was called. */
  private closed = false;
  private released = false;
  private batch: T[] = [];
  private bytes = 0;
  private size = 0;
  /** The pull being answered; undefined between pulls. */
  private resolve: ((result: IteratorResult<T[], undefined>) => void) | undefined;
  private reject: ((error: unknown) => void) | undefined;
  /** The gather loop is running (awaiting the iterator). */
  private gathering = false;
  /** What the iterator gave after its pull's batch was cut: the start of the next pull. */
  private carried: Settled | undefined;
  /** A cut is armed for this turn of the loop. */
  private armed = false;
  /** The link this source reports its pulls to: it then adds no promise of its own per pull. */
  private record: PullRecord<T> = UNRECORDED;

  constructor(
    private readonly iterable: AsyncIterable<T>,
    private readonly limits: BatchLimits,
    private readonly hooks: SourceHooks,
    private readonly what: string,
  ) {}

  /** For an itemwise puller, once the iterator is open: its own promises (see `BatchIterator.itemPuller`). */
  get itemPuller(): ItemPuller<T> | undefined {
    return this.it !== undefined ? this.puller : undefined;
  }

  private readonly puller: ItemPuller<T> = {
    pull: () => {
      // What a batch pull's cut left behind comes first.
      if (this.carried !== undefined || this.gathering) return this.leftOver();
      return this.done ? DONE : this.it!.next();
    },
    took: (result) => {
      let r: IteratorResult<T>;
      try {
        r = checkResult<T>(result, this.what, false);
      } catch (error) {
        // A broken result is the iterator's own failure: like `for await`, it is not closed.
        this.end();
        throw error;
      }
      if (r.done) this.end();
      return r;
    },
    lost: () => this.end(),
  };

  /** The carried result, or the one of the `next()` still pending from a cut batch. */
  private leftOver(): Promise<IteratorResult<T>> | IteratorResult<T> {
    const carried = this.carried;
    if (carried === undefined) {
      return new Promise<unknown>((resolve, reject) => {
        this.handoff = { resolve, reject };
      }) as Promise<IteratorResult<T>>;
    }
    this.carried = undefined;
    return 'error' in carried ? Promise.reject(carried.error) : (carried.result as IteratorResult<T>);
  }

  /** An item puller waiting for the `next()` a cut left pending. */
  private handoff: { resolve(result: unknown): void; reject(error: unknown): void } | undefined;

  reportTo(record: PullRecord<T>): void {
    this.record = record;
  }

  next(hint?: DemandHint, itemwise?: boolean): Promise<IteratorResult<T[], undefined>> {
    const carried = this.carried;
    if (carried === undefined && this.done) return Promise.resolve(this.record.delivered(DONE));
    if (this.it === undefined) {
      this.hooks.opened();
      try {
        this.it = openIterator<AsyncIterator<T>>(this.iterable, Symbol.asyncIterator, this.what);
      } catch (error) {
        this.done = true;
        this.release();
        return Promise.reject(this.record.failedWith(error));
      }
    }
    this.size = itemwise ? 1 : sizeFor(hint, this.limits);
    if (this.size === 1 && carried === undefined && !this.gathering) return this.one(this.it);
    return new Promise<IteratorResult<T[], undefined>>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      if (carried !== undefined) {
        this.carried = undefined;
        if (!this.settled(carried)) return;
      }
      if (!this.gathering) void this.gather();
    });
  }

  /** One item, nothing read ahead: the iterator's own promise and one reaction of ours, as before batches. */
  private one(it: AsyncIterator<T>): Promise<IteratorResult<T[], undefined>> {
    let pulled: unknown;
    try {
      pulled = it.next();
    } catch (error) {
      return this.oneFailed(error);
    }
    // `for await` tolerates an iterator that returns plain results; so do we.
    return (pulled instanceof Promise ? pulled : Promise.resolve(pulled)).then(this.oneTaken, this.oneFailed);
  }

  private readonly oneTaken = (result: unknown): IteratorResult<T[], undefined> => {
    let r: IteratorResult<T>;
    try {
      r = this.puller.took(result);
    } catch (error) {
      throw this.record.failedWith(error);
    }
    return this.record.delivered(r.done ? DONE : { done: false, value: [r.value] });
  };

  private readonly oneFailed = (error: unknown): Promise<never> => {
    this.end();
    return Promise.reject(this.record.failedWith(error));
  };

  /**
   * Pulls the iterator until the pull in progress is answered. Left running (awaiting one
   * `next()`) when the cut answered the pull: what that `next()` gives is carried to the next pull.
   */
  private async gather(): Promise<void> {
    this.gathering = true;
    const it = this.it!;
    for (;;) {
      if (this.done) {
        // Returned while a pull was pending (returnWhilePending): answer with what there is.
        this.finishBatch();
        break;
      }
      if (this.batch.length > 0 && !this.armed) {
        this.armed = true;
        setImmediate(this.cut);
      }
      let result: unknown;
      try {
        result = await it.next();
      } catch (error) {
        if (this.resolve === undefined) this.afterCut({ error });
        else this.lost(error);
        break;
      }
      if (this.resolve === undefined) {
        this.afterCut({ result });
        break;
      }
      if (!this.took(result)) break;
    }
    this.gathering = false;
  }

  /** What the `next()` pending when the cut came gave: kept for the next pull (or reported, once returned). */
  private afterCut(settled: Settled): void {
    const handoff = this.handoff;
    if (handoff !== undefined) {
      this.handoff = undefined;
      if ('error' in settled) handoff.reject(settled.error);
      else handoff.resolve(settled.result);
      return;
    }
    if ('error' in settled) {
      // After our return() (or the destroy it made), what the pending next() says is the stop's echo.
      if (!this.closed) this.carried = settled;
      this.end();
      return;
    }
    if (!this.closed) this.carried = settled;
    if (this.isEnd(settled.result)) this.end();
  }

  private settled(settled: Settled): boolean {
    return 'error' in settled ? this.lost(settled.error) : this.took(settled.result);
  }

  /** Takes one result into the pull in progress; true when the loop should pull again. */
  private took(result: unknown): boolean {
    let r: IteratorResult<T>;
    try {
      r = checkResult<T>(result, this.what, false);
    } catch (error) {
      // A broken result is the iterator's own failure: like `for await`, it is not closed.
      return this.lost(error);
    }
    if (r.done) {
      this.end();
      this.finishBatch();
      return false;
    }
    const value = r.value;
    this.batch.push(value);
    if (this.limits.bytes !== Infinity) {
      try {
        this.bytes += itemBytes(value);
      } catch (error) {
        // An item whose size cannot be read (a revoked Proxy): the source fails with that error.
        this.batch.pop();
        return this.lost(error);
      }
    }
    if (this.batch.length >= this.size || this.bytes >= this.limits.bytes || this.record.spent(1)) {
      this.deliver();
      return false;
    }
    return true;
  }

  /** `next()` failed: the items before the failure go on, and the error answers the next pull. */
  private lost(error: unknown): false {
    this.end();
    if (this.batch.length === 0) return this.fail(error);
    this.carried = { error };
    this.deliver();
    return false;
  }

  private isEnd(result: unknown): boolean {
    return result !== null && typeof result === 'object' && (result as IteratorResult<T>).done === true;
  }

  /** The turn of the event loop came while a `next()` was pending: what the batch holds goes now. */
  private readonly cut = (): void => {
    this.armed = false;
    if (this.resolve !== undefined && this.batch.length > 0) this.deliver();
  };

  private deliver(): void {
    const batch = this.batch;
    const resolve = this.resolve!;
    this.batch = [];
    this.bytes = 0;
    this.resolve = this.reject = undefined;
    resolve(this.record.delivered({ done: false, value: batch }));
  }

  /** Answers the pull in progress with the batch, or with the end when it is empty. */
  private finishBatch(): void {
    if (this.resolve === undefined) return;
    if (this.batch.length > 0) this.deliver();
    else {
      const resolve = this.resolve;
      this.resolve = this.reject = undefined;
      resolve(this.record.delivered(DONE));
    }
  }

  private fail(error: unknown): false {
    const reject = this.reject!;
    this.resolve = this.reject = undefined;
    reject(this.record.failedWith(error));
    return false;
  }

  /** The iterator ended or failed: nothing more is pulled, and the source releases what it holds. */
  private end(): void {
    this.done = true;
    this.release();
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    this.hooks.released();
  }

  async return(): Promise<IteratorResult<T[], undefined>> {
    if (this.closed) return DONE;
    this.closed = true;
    const carried = this.carried;
    this.carried = undefined;
    // Read ahead and never asked for: told, but not the run's error.
    if (carried !== undefined && 'error' in carried) this.hooks.unread(carried.error);
    if (this.done || this.it === undefined) {
      this.done = true;
      return DONE;
    }
    this.done = true;
    // A cut left a read pending and nobody waits for it: a Node readable would hold its socket or
    // file until more data came (its iterator queues return() behind the read), so it is destroyed,
    // as its iterator's return() would have done.
    const readable = this.iterable as { destroy?: unknown; destroyed?: unknown };
    if (
      this.gathering &&
      this.resolve === undefined &&
      typeof readable.destroy === 'function' &&
      readable.destroyed === false
    ) {
      (readable.destroy as () => void).call(readable);
    }
    try {
      await this.it.return?.();
    } finally {
      this.release();
    }
    return DONE;
  }
}
