import { clearTimeout as realClearTimeout, setImmediate, setTimeout as realSetTimeout } from 'node:timers';
import { warnCleanupError } from '../kit/cleanup.js';

// Imported from node:timers so that fake timers installed on the globals do not freeze teardown.
const nextMacrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Waits for `promise`, but at most `ms` (at least one macrotask), on a real timer: fake timers in a user's tests must not freeze teardown. */
async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof realSetTimeout> | undefined;
  const deadline = new Promise<void>((resolve) => {
    if (ms <= 0) setImmediate(resolve);
    else timer = realSetTimeout(resolve, ms);
  });
  // Both promises live only as long as this wait: no reaction outlives it on a long-lived promise.
  await Promise.race([promise, deadline]);
  realClearTimeout(timer);
}

/** Who hears of a cleanup error, first match wins: the parent run (a run inside a stage), the run's hook. */
export interface CleanupListeners {
  readonly parent?: ((error: unknown, where: string) => void) | undefined;
  readonly hook?: ((error: unknown, where: string) => void) | undefined;
}

/**
 * The run's books on cleanup: closes that may outlive it (`report.pendingCleanups`,
 * `report.closed`), the grace the run gives them (`cleanupTimeout`), and the errors raised while
 * closing (`report.cleanupErrors`, `onCleanupError`, else a process warning). Errors are queued
 * while the run goes and told once it settles, when the run knows which one it rejects with.
 */
export class CleanupLedger {
  private readonly late: Promise<void>[] = [];
  private readonly graced: Promise<void>[] = [];
  private pendingCount = 0;
  private readonly recorded: unknown[] = [];
  private readonly queued: { readonly error: unknown; readonly stage: string }[] = [];
  private graceEnds: number | undefined;
  private settled = false;

  constructor(
    /** The run's cleanupTimeout, in ms. */
    private readonly graceMs: number,
    private readonly listeners: CleanupListeners,
  ) {}

  /** A cleanup queued behind a pull that may never settle: settlement gives it one turn, no more. */
  track(promise: Promise<void>): void {
    this.pendingCount++;
    this.late.push(
      promise.finally(() => {
        this.pendingCount--;
      }),
    );
  }

  /** A cleanup the run started itself (a sink unwinding): settlement waits for it, within the grace. */
  trackWithGrace(promise: Promise<void>): void {
    this.track(promise);
    this.graced.push(this.late[this.late.length - 1]!);
  }

  /**
   * Waits for a close at most `cleanupTimeout` from now (the bound of every close inside a pull or
   * teardown), tracking it so that settling does not wait for it again. The close must not reject:
   * it records its own errors.
   */
  readonly bounded = (closing: Promise<void>): Promise<void> => {
    this.track(closing);
    return waitAtMost(closing, this.graceMs);
  };

  /** Waits for `promise`, but no longer than the grace counted from the first call (teardown's, then settlement's). */
  async withinGrace(promise: Promise<unknown>): Promise<void> {
    this.graceEnds ??= performance.now() + this.graceMs;
    await waitAtMost(promise, this.graceEnds - performance.now());
  }

  /** Settlement's wait: graced cleanups within the grace, the others one macrotask. */
  async settle(): Promise<void> {
    if (this.graced.length > 0) await this.withinGrace(Promise.all(this.graced));
    if (this.pendingCount > 0) await Promise.race([Promise.all(this.late), nextMacrotask()]);
  }

  /** Records an error raised while closing, once however many paths bring it (a stage's finally rethrowing its input's close error). */
  record(error: unknown, stage: string): void {
    if (this.recorded.includes(error)) return;
    this.recorded.push(error);
    if (this.settled) this.tell(error, stage);
    else this.queued.push({ error, stage });
  }

  /** The error became the run's own (a pull rejecting after the stop): it is no cleanup error. */
  forget(error: unknown): void {
    const at = this.recorded.indexOf(error);
    if (at >= 0) this.recorded.splice(at, 1);
    const queued = this.queued.findIndex((entry) => entry.error === error);
    if (queued >= 0) this.queued.splice(queued, 1);
  }

  /** The first error queued, when there is one: the run's error if nothing else failed it. */
  get firstQueued(): { readonly error: unknown } | undefined {
    return this.queued[0];
  }

  /**
   * The run has settled: tells the queued errors, and any later one at once. `surfaced` is the
   * error the run rejects with when it came from a close: the caller gets it, so it needs no
   * warning, and a parent run does not hear of it (the stage that ran this run may catch it, and
   * it must not fail the parent behind that stage's back); the run's own hook does.
   */
  publish(surfaced: { readonly error: unknown } | undefined): void {
    this.settled = true;
    for (const { error, stage } of this.queued.splice(0)) {
      if (!surfaced || error !== surfaced.error) this.tell(error, stage);
      else if (!this.listeners.parent) this.hear(error, stage);
    }
  }

  /** Tells an error raised outside any close (a throwing onReport) the way cleanup errors are told. */
  tell(error: unknown, stage: string): void {
    if (!this.hear(error, stage)) warnCleanupError(error, stage);
  }

  /** Hands the error to the parent run or the hook; false when neither took it. */
  private hear(error: unknown, stage: string): boolean {
    const { parent, hook } = this.listeners;
    if (parent) {
      parent(error, stage);
      return true;
    }
    if (!hook) return false;
    try {
      hook(error, stage);
      return true;
    } catch {
      // A throwing hook must not hide the error it was given: it gets the warning.
      return false;
    }
  }

  get errors(): readonly unknown[] {
    return this.recorded;
  }

  get pending(): number {
    return this.pendingCount;
  }

  /** Settles when every tracked cleanup has. */
  get closed(): Promise<void> {
    return Promise.all(this.late).then(() => undefined);
  }
}
