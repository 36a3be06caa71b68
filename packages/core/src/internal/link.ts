import { DONE, type BatchIterator, type DemandHint, type ItemPuller, type PullRecord } from './protocol.js';
import type { FairShare } from './fairness.js';
import { Stopwatch } from './stopwatch.js';

/** What a link needs from the run that owns it. */
export interface LinkOwner {
  /** False when nothing outside the consumer can end the run (no signal, no timeout): pulls then need no race. */
  readonly interruptible: boolean;
  /** The run's share of the event loop: every pull checks it (protocol 9). */
  readonly share: FairShare;
  /** The error the run failed or was aborted with; undefined while running or after a clean stop. */
  readonly failure: { readonly error: unknown } | undefined;
  cleanupError(error: unknown, stage: string): void;
  /** The last link's upstream failed: the run fails; returns the error to surface (the first one). */
  topFailed(error: unknown): unknown;
  trackLate(promise: Promise<void>): void;
  /** Waits for a close at most the run's cleanupTimeout; it stays tracked in report.closed. */
  bounded(closing: Promise<void>): Promise<void>;
}

/** Where a link sits: the last link's failures fail the run (see `Run.topFailed`). */
export type LinkPosition = 'inner' | 'top';

// Stands for "a pull is in progress" while the upstream's next() is being called: an upstream that
// reports its own pulls may finish one before that call returns.
const CALLING: Promise<never> = new Promise<never>(() => undefined);
const YIELD = Symbol('yield');

/**
 * The runner's hold on one iterator of the chain. Every pull goes through a link, which counts
 * items and time and returns the iterator exactly once, deferring the `return()` while a pull is
 * still pending (an async generator would queue it anyway; a driver's hand-written iterator may
 * not cope). Every link checks the event-loop slice before pulling, so no path through the chain
 * (a source that never waits, a stage that drops everything, a stage that yields without pulling)
 * can hold the loop past it.
 *
 * Two kinds of puller: user code (a stage's `for await`, a sink) calls `next()`, which races the
 * pull against the run's failure when the run can be aborted, so a stuck upstream cannot keep that
 * code waiting; the runner's own loops (fused kernels, `run()`, `toArray()`) call `pull()`, which
 * adds no promise at all: those loops are raced once, as a whole, by the run.
 */
export class Link<T> implements PullRecord<T> {
  private counted = 0;
  /** No more pulls will go upstream: it ended, failed, or was returned. */
  private exhausted = false;
  /** Upstream itself reported its end (not merely returned by us). */
  private upstreamEnded = false;
  private readonly watch = new Stopwatch();
  private started = -1;
  private lastSize = 0;
  private closed = false;
  private pending: Promise<unknown> | undefined;
  /** The pull pending when the run failed: what it throws later is a cleanup error. */
  private interrupted: Promise<unknown> | undefined;
  private rejectPending: ((error: unknown) => void) | undefined;
  private returning: Promise<void> | undefined;
  /** The upstream calls delivered()/failedWith() itself (the fused loop): no reaction of ours is needed. */
  private readonly selfReporting: boolean;
  /** The close that had to wait for a pending pull (see close()). */
  private lateClose: Promise<void> | undefined;

  constructor(
    private readonly owner: LinkOwner,
    private readonly upstream: BatchIterator<T>,
    /** Names the iterator behind this link in cleanup errors. */
    readonly name: string,
    private readonly position: LinkPosition = 'inner',
  ) {
    this.selfReporting = upstream.reportTo !== undefined;
    upstream.reportTo?.(this);
  }

  /** Items that came through this link. */
  get items(): number {
    return this.counted;
  }

  /** Upstream itself reported its end (not merely returned by us). */
  get ended(): boolean {
    return this.upstreamEnded;
  }

  /** The close that had to wait for a pending pull (see close()), once there was one. */
  get deferredClose(): Promise<void> | undefined {
    return this.lateClose;
  }

  /** A pull by user code: raced against the run's failure when the run can be aborted from outside. */
  next(hint?: DemandHint, itemwise?: boolean): Promise<IteratorResult<T[], undefined>> {
    if (!this.owner.interruptible) return this.pull(hint, itemwise);
    const early = this.refusal();
    if (early === YIELD) return this.owner.share.afterTurn(() => this.next(hint, itemwise));
    if (early) return early;
    const pull = this.pullNow(hint, itemwise);
    if (this.pending === undefined) return pull;
    return new Promise<IteratorResult<T[], undefined>>((resolve, reject) => {
      this.rejectPending = reject;
      const done = () => {
        if (this.rejectPending === reject) this.rejectPending = undefined;
      };
      pull.then(
        (result) => {
          done();
          resolve(result);
        },
        (error: unknown) => {
          done();
          reject(error);
        },
      );
    });
  }

  /** A pull by the runner's own loop: the upstream's promise, with no promise of ours around it. */
  pull(hint?: DemandHint, itemwise?: boolean): Promise<IteratorResult<T[], undefined>> {
    const early = this.refusal();
    if (early === YIELD) return this.owner.share.afterTurn(() => this.pull(hint, itemwise));
    return early ?? this.pullNow(hint, itemwise);
  }

  /** Why a pull cannot go upstream now (or YIELD: not before a turn of the event loop); undefined when it can. */
  private refusal(): Promise<IteratorResult<T[], undefined>> | typeof YIELD | undefined {
    const failure = this.owner.failure;
    if (failure) return Promise.reject(failure.error);
    if (this.closed || this.exhausted) return Promise.resolve(DONE);
    if (this.pending) return Promise.reject(new Error(`sluice: concurrent next() on the output of ${this.name}`));
    if (this.owner.share.spent(this.lastSize)) return YIELD;
    return undefined;
  }

  private pullNow(hint: DemandHint, itemwise: boolean | undefined): Promise<IteratorResult<T[], undefined>> {
    this.started = this.watch.start(this.lastSize);
    this.pending = CALLING;
    const pull = this.upstream.next(hint, itemwise);
    if (this.selfReporting) {
      if (this.pending === CALLING) this.pending = pull;
      return pull;
    }
    this.pending = pull;
    return pull.then(this.delivered, (error: unknown) => {
      throw this.failedWith(error);
    });
  }

  /** The upstream's item puller, once it has one (see `BatchIterator.itemPuller`); it stays valid, answering DONE after the end. */
  get itemPuller(): ItemPuller<T> | undefined {
    return (this.puller ??= this.upstream.itemPuller);
  }

  private puller: ItemPuller<T> | undefined;

  /**
   * One item from an item puller, for the fused loop: the iterator's own `next()` promise (or
   * result). The caller must hand what it gets to `tookItem()`, or its rejection to `lostItem()`.
   * Returns undefined when the link cannot pull an item now; `pull()` then says why.
   */
  pullItem(puller: ItemPuller<T>): Promise<IteratorResult<T>> | IteratorResult<T> | undefined {
    if (this.owner.failure || this.pending || this.closed || this.exhausted) return undefined;
    this.started = this.watch.start(1);
    let pulled: Promise<IteratorResult<T>> | IteratorResult<T>;
    if (this.owner.share.spent(1)) pulled = this.owner.share.afterTurn(() => puller.pull());
    else {
      try {
        pulled = puller.pull();
      } catch (error) {
        pulled = Promise.reject(error);
      }
    }
    this.pending = pulled instanceof Promise ? pulled : CALLING;
    return pulled;
  }

  /** The outcome of `pullItem()`: the checked result (throws for a broken one). */
  tookItem(puller: ItemPuller<T>, result: unknown): IteratorResult<T> {
    let r: IteratorResult<T>;
    try {
      r = puller.took(result);
    } catch (error) {
      throw this.failedWith(error);
    }
    this.settle(1);
    if (r.done) {
      this.exhausted = true;
      this.upstreamEnded = true;
    } else this.counted++;
    return r;
  }

  lostItem(puller: ItemPuller<T>, error: unknown): unknown {
    puller.lost();
    return this.failedWith(error);
  }

  /** The run's fairness check, for a self-reporting source that gathers items. */
  spent(size: number): boolean {
    return this.owner.share.spent(size);
  }

  /** A pull's result arrived (called by a self-reporting upstream, or by our reaction). */
  readonly delivered = (result: IteratorResult<T[], undefined>): IteratorResult<T[], undefined> => {
    if (result.done) {
      this.settle(this.lastSize);
      this.exhausted = true;
      this.upstreamEnded = true;
    } else {
      this.settle(result.value.length);
      this.counted += result.value.length;
    }
    return result;
  };

  /** A pull failed: returns the error for the puller to throw. */
  failedWith(error: unknown): unknown {
    const interrupted = this.pending !== undefined && this.pending === this.interrupted;
    this.settle(this.lastSize);
    this.exhausted = true;
    // Nobody waits for a pull the run interrupted: what it threw (a `finally` of a stage that
    // honoured the signal) is a cleanup error, or the cancellation echoing back.
    if (interrupted) {
      this.owner.cleanupError(error, this.name);
      return error;
    }
    return this.position === 'top' ? this.owner.topFailed(error) : error;
  }

  /** The run failed: a pending pull by user code rejects at once; the pull itself goes on. */
  interrupt(error: unknown): void {
    this.interrupted = this.pending;
    const reject = this.rejectPending;
    this.rejectPending = undefined;
    reject?.(error);
  }

  /**
   * Closes the iterator behind this link, once. Returns the promise of its `return()` when it could
   * be called now, or undefined when there was nothing to do or the call had to wait for a pending
   * pull (then it is tracked by the run as a late cleanup). The promise resolves after at most the
   * run's cleanupTimeout: a `take` or a stage that returns early awaits it inside a pull, and a
   * `return()` that never settles must not hang the run (it stays tracked in report.closed).
   */
  close(): Promise<void> | undefined {
    if (this.closed) return undefined;
    this.closed = true;
    if (this.exhausted) return undefined;
    if (this.pending) {
      // Tracked, never awaited: the pending pull may never settle.
      const late = this.upstream.returnWhilePending
        ? this.callReturn()
        : this.pending.then(
            () => this.callReturn(),
            // The pull's error went to its puller, or was reported when the pull had been
            // interrupted: reporting it here too would count it twice.
            () => undefined,
          );
      this.owner.trackLate(late);
      this.lateClose = late;
      return undefined;
    }
    return this.owner.bounded(this.callReturn());
  }

  private settle(size: number): void {
    this.watch.stop(this.started, this.lastSize);
    this.lastSize = size;
    this.pending = undefined;
  }

  /** Milliseconds spent in pulls through this link (sampled for small batches). */
  get busyMs(): number {
    return this.watch.ms;
  }

  private callReturn(): Promise<void> {
    if (this.exhausted) return Promise.resolve();
    this.exhausted = true;
    this.returning ??= (async () => {
      try {
        await this.upstream.return();
      } catch (error) {
        this.owner.cleanupError(error, this.name);
      }
    })();
    return this.returning;
  }
}
