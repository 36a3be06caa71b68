import { DONE, type BatchIterator } from '../source.js';

/** What a link needs from the run that owns it. */
export interface LinkOwner {
  /** The error the run failed or was aborted with; undefined while running or after a clean stop. */
  readonly failure: { readonly error: unknown } | undefined;
  cleanupError(error: unknown, stage: string): void;
  trackLate(promise: Promise<void>): void;
}

/**
 * The runner's hold on one iterator of the chain. Every pull goes through a link, which races it
 * against the run's failure (so a stuck stage cannot delay settlement), counts items and time,
 * and returns the iterator exactly once, deferring the `return()` while a pull is still pending
 * (an async generator would queue it anyway; a driver's hand-written iterator may not cope).
 */
export class Link<T> {
  items = 0;
  busyMs = 0;
  exhausted = false;
  private closed = false;
  private pending: Promise<IteratorResult<T[], undefined>> | undefined;
  private rejectPending: ((error: unknown) => void) | undefined;
  private returning: Promise<void> | undefined;

  constructor(
    private readonly owner: LinkOwner,
    private readonly upstream: BatchIterator<T>,
    /** Names the iterator behind this link in cleanup errors. */
    readonly name: string,
  ) {}

  get isPending(): boolean {
    return this.pending !== undefined;
  }

  next(hint?: number): Promise<IteratorResult<T[], undefined>> {
    const failure = this.owner.failure;
    if (failure) return Promise.reject(failure.error);
    if (this.closed || this.exhausted) return Promise.resolve(DONE);
    if (this.pending) {
      return Promise.reject(new Error(`sluice: concurrent next() on the output of ${this.name}`));
    }
    const started = performance.now();
    const pull = this.upstream.next(hint);
    this.pending = pull;
    return new Promise<IteratorResult<T[], undefined>>((resolve, reject) => {
      this.rejectPending = reject;
      pull.then(
        (result) => {
          this.settle(started);
          if (result.done) this.exhausted = true;
          else this.items += result.value.length;
          resolve(result);
        },
        (error: unknown) => {
          this.settle(started);
          this.exhausted = true;
          reject(error);
        },
      );
    });
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
   * pull (then it is tracked by the run as a late cleanup).
   */
  close(): Promise<void> | undefined {
    if (this.closed) return undefined;
    this.closed = true;
    if (this.exhausted) return undefined;
    if (this.pending) {
      this.owner.trackLate(this.pending.then(() => this.callReturn(), () => this.callReturn()));
      return undefined;
    }
    return this.callReturn();
  }

  private settle(started: number): void {
    this.busyMs += performance.now() - started;
    this.pending = undefined;
    this.rejectPending = undefined;
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
