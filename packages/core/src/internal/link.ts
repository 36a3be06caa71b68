import { DONE, type BatchIterator, type DemandHint } from './protocol.js';
import { sliceSpent, yieldTurn } from './fairness.js';
import { Stopwatch } from './stopwatch.js';

/** What a link needs from the run that owns it. */
export interface LinkOwner {
  /** False when nothing outside the consumer can end the run (no signal, no timeout): pulls then need no race. */
  readonly interruptible: boolean;
  /** The error the run failed or was aborted with; undefined while running or after a clean stop. */
  readonly failure: { readonly error: unknown } | undefined;
  cleanupError(error: unknown, stage: string): void;
  /** Called when the last link's upstream fails: the run fails; returns the error to surface (the first one). */
  topFailed(error: unknown): unknown;
  trackLate(promise: Promise<void>): void;
  /** Waits for a close at most the run's cleanupTimeout; it stays tracked in report.closed. */
  bounded(closing: Promise<void>): Promise<void>;
}

/**
 * The runner's hold on one iterator of the chain. Every pull goes through a link, which races it
 * against the run's failure (so a stuck stage cannot delay settlement), counts items and time,
 * and returns the iterator exactly once, deferring the `return()` while a pull is still pending
 * (an async generator would queue it anyway; a driver's hand-written iterator may not cope).
 * Every link checks the event-loop slice before pulling, so no path through the chain (a source
 * that never waits, a stage that drops everything, a stage that yields without pulling) can hold
 * the loop past it.
 */
export class Link<T> {
  items = 0;
  /** No more pulls will go upstream: it ended, failed, or was returned. */
  exhausted = false;
  /** Upstream itself reported its end (not merely returned by us). */
  ended = false;
  private readonly watch = new Stopwatch();
  private started = -1;
  private lastSize = 0;
  private closed = false;
  private pending: Promise<IteratorResult<T[], undefined>> | undefined;
  private rejectPending: ((error: unknown) => void) | undefined;
  private returning: Promise<void> | undefined;
  /** The close that had to wait for a pending pull (see close()). */
  deferredClose: Promise<void> | undefined;

  constructor(
    private readonly owner: LinkOwner,
    private readonly upstream: BatchIterator<T>,
    /** Names the iterator behind this link in cleanup errors. */
    readonly name: string,
  ) {}

  next(hint?: DemandHint): Promise<IteratorResult<T[], undefined>> {
    const failure = this.owner.failure;
    if (failure) return Promise.reject(failure.error);
    if (this.closed || this.exhausted) return Promise.resolve(DONE);
    if (this.pending) {
      return Promise.reject(new Error(`sluice: concurrent next() on the output of ${this.name}`));
    }
    if (sliceSpent(this.lastSize)) return yieldTurn().then(() => this.next(hint));
    this.started = this.watch.start(this.lastSize);
    const pull = this.upstream.next(hint);
    this.pending = pull;
    if (!this.owner.interruptible) return pull.then(this.onResult, this.onError);
    return new Promise<IteratorResult<T[], undefined>>((resolve, reject) => {
      this.rejectPending = reject;
      pull.then(
        (result) => resolve(this.onResult(result)),
        (error: unknown) => {
          // Interrupted: nobody waits for this pull any more, so what it threw (a `finally` of a
          // stage that honoured the signal) is a cleanup error, or the cancellation echoing back.
          const interrupted = this.rejectPending === undefined;
          this.failed();
          if (interrupted) this.owner.cleanupError(error, this.name);
          else reject(this.isTop ? this.owner.topFailed(error) : error);
        },
      );
    });
  }

  private readonly onResult = (result: IteratorResult<T[], undefined>): IteratorResult<T[], undefined> => {
    this.settle();
    if (result.done) {
      this.exhausted = true;
      this.ended = true;
    } else {
      this.items += result.value.length;
      this.lastSize = result.value.length;
    }
    return result;
  };

  private readonly onError = (error: unknown): never => {
    this.failed();
    throw this.isTop ? this.owner.topFailed(error) : error;
  };

  /** The last link of the chain, pulled by the consumer: its failures fail the run. */
  isTop = false;

  private failed(): void {
    this.settle();
    this.exhausted = true;
  }

  /** Rejects a pending pull at once (the run failed or was aborted); the pull itself goes on. */
  interrupt(error: unknown): void {
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
            // next() already handed this error to its caller, or reported it when the pull had
            // been interrupted: reporting it here too would count it twice.
            () => undefined,
          );
      this.owner.trackLate(late);
      this.deferredClose = late;
      return undefined;
    }
    return this.owner.bounded(this.callReturn());
  }

  private settle(): void {
    this.watch.stop(this.started, this.lastSize);
    this.pending = undefined;
    this.rejectPending = undefined;
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
