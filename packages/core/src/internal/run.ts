/*
 * How a run works: where a pull, an abort and an error travel (docs/protocol.md says what must
 * happen; this says where it does).
 *
 *   source ─Link─ FusedIterator(map+filter…) ─Link─ StageIterator(user gen) ─Link(top)─ drive
 *
 * Built by `Chain` (chain.ts) from the plan: adjacent sync kernels fuse into one FusedIterator, every
 * opaque stage gets a stage iterator (stage-iterators.ts), and a Link (link.ts) holds each one.
 *
 * A pull. The drive asks the top link: `run()`/`toArray()` loop on `Link.pull` (drain/collect),
 * a batch sink's iterator and an `ItemView` (item sinks, `iterate()`, user stages) call
 * `Link.next`. A link checks the run's share of the loop (`FairShare`, fairness.ts: the loop's
 * slice, or the run's own for the pull that waited a turn), counts, and calls its iterator's
 * `next(hint, itemwise)`. The fused loop (`FusedIterator.next`) pulls its input in the same async
 * function. An async-iterable source (`AsyncItemSource`) answers a batch pull with the items its
 * iterator hands over before the event loop turns (protocol 6.2b); for an itemwise pull (a user
 * stage, an item sink, `for await`) the fused loop awaits the source iterator's own promise
 * (`Link.pullItem`, `ItemPuller`): either way an item costs no promise of ours (protocol 10).
 *
 * An abort (caller's signal via `linkSignal`, the timeout, or `stop()` when the consumer leaves).
 * `Run.fail` records the state and aborts the run's controller (every stage's `signal`), rejects
 * the drive's one race (`race`), and one microtask later `Link.interrupt`s every pending pull
 * made by user code (`Link.next`) and starts `teardown`: each link's `close()`, from the source
 * outwards, deferred behind a pending pull (`returnWhilePending` aside) and bounded by the
 * cleanupTimeout (`CleanupLedger.bounded`).
 *
 * An error. A stage's error rejects its link's pull (`Link.failedWith`) and reaches the next user
 * stage, whose `for await` may catch it; the top link's goes to `topFailed` → `fail(…, 'failed')`.
 * An error raised while closing, or by a pull the run had interrupted, is a cleanup error:
 * `Run.cleanupError` drops echoes of the run's own reason and records it in the `CleanupLedger`,
 * which tells it (parent run, `onCleanupError`, or a warning) once the run settles.
 *
 * Settling (`settle`, once): teardown, the ledger's grace, then the outcome (`settledState`), the
 * report and `onReport` (`finish`). For observers: the run starts at the end of the constructor,
 * the stage counts are read by `Chain.stageReports`, and the run ends in `finish`.
 */
import { isAbortError, timeoutReason } from '../errors.js';
import { cleanupReporterOf, registerCleanupReporter } from '../kit/cleanup.js';
import type { RunOptions, RunOutcome, RunReport, Sink, StageContext } from '../types.js';
import { CleanupLedger } from './cleanup-ledger.js';
import { Chain, type Plan } from './chain.js';
import { FairShare } from './fairness.js';
import type { Link, LinkOwner } from './link.js';
import type { DemandBatchIterator, DemandHint, SourceHooks } from './protocol.js';
import { linkSignal } from './signal-link.js';
import { ItemView } from './stage-iterators.js';
import { probeRun, type RunProbe } from './probe.js';

/** How long teardown waits for the closes before settling anyway (tracked in report.closed). */
const DEFAULT_CLEANUP_TIMEOUT = 1000;

function stopReason(): DOMException {
  return new DOMException('The pipeline was stopped before its end', 'AbortError');
}

/** The first error, and how it ended the run. */
interface Failure {
  readonly error: unknown;
  readonly outcome: RunOutcome;
}

/** Where a run is. Every transition is in `fail`, `stop` or `settle`. */
type RunState =
  | { readonly kind: 'running' }
  /** The consumer stopped early; the signal is aborted with an AbortError. */
  | { readonly kind: 'stopping' }
  | ({ readonly kind: 'failed' } & Failure)
  /** `failure.raisedWhileClosing`: the only error came from a close, and the consumer must hear of it. */
  | {
      readonly kind: 'settled';
      readonly outcome: RunOutcome;
      readonly failure?: Failure & { readonly raisedWhileClosing: boolean };
    };

/**
 * One execution of a plan. It owns the run's single AbortController (linked to the caller's
 * signal and the timeout by listeners it removes again), every link of the chain, and the report.
 */
export class Run<T> implements LinkOwner {
  private readonly controller = new AbortController();
  private readonly ctx: StageContext = { signal: this.controller.signal };
  private state: RunState = { kind: 'running' };
  readonly interruptible: boolean;
  readonly share = new FairShare();
  private readonly ledger: CleanupLedger;
  private readonly chain: Chain;
  private readonly top: Link<T>;
  private readonly started = performance.now();
  private sourceOpenedAt: number | null = null;
  private sourceClosedAt: number | null = null;
  private view: ItemView<T> | undefined;
  /** Rejects the drive's one race (see `race`). */
  private interruptDrive: ((error: unknown) => void) | undefined;
  private tearingDown: Promise<void> | undefined;
  private settling: Promise<RunReport> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly unlinkParent: (() => void) | undefined;
  /** observe: diagnostics_channel and progress (probe.ts); undefined, and free, when nobody listens. */
  private readonly probe: RunProbe | undefined;

  constructor(
    plan: Plan,
    private readonly options: RunOptions,
  ) {
    const { signal, timeout } = options;
    this.ledger = new CleanupLedger(options.cleanupTimeout ?? DEFAULT_CLEANUP_TIMEOUT, {
      // A run inside a stage (its signal is another run's) hands its cleanup errors to that run.
      parent: options.onCleanupError ? undefined : cleanupReporterOf(signal),
      hook: options.onCleanupError,
    });
    registerCleanupReporter(this.controller.signal, (error, where) => this.cleanupError(error, where));
    this.interruptible = signal !== undefined || (timeout !== undefined && timeout !== Infinity);
    if (signal) this.unlinkParent = linkSignal(signal, () => this.fail(signal.reason, 'aborted'));
    if (timeout !== undefined && timeout !== Infinity) {
      this.timer = setTimeout(() => this.fail(timeoutReason(timeout), 'timed-out'), timeout);
    }
    this.probe = probeRun(plan.stages, plan.source.name, options, this);
    const hooks: SourceHooks = {
      opened: () => {
        this.sourceOpenedAt ??= performance.now() - this.started;
        this.probe?.sourceOpened();
      },
      released: () => {
        this.sourceClosedAt ??= performance.now() - this.started;
        this.probe?.sourceReleased();
      },
      cleanupError: (error: unknown) => this.cleanupError(error, plan.source.name),
      unread: (error: unknown) => {
        if (!this.isEcho(error)) this.ledger.tell(error, plan.source.name);
      },
      bounded: this.ledger.bounded,
    };
    this.chain = new Chain(plan, this, this.ctx, hooks, this.probe);
    this.top = this.chain.top as Link<T>;
    // Under an already-aborted signal nothing is opened: the run fails before its first pull.
    if (signal?.aborted) this.fail(signal.reason, 'aborted');
  }

  // ── State ─────────────────────────────────────────────────────────────────────────────────

  /** The error the run failed or was aborted with; undefined while running or after a clean stop. */
  get failure(): Failure | undefined {
    const state = this.state;
    return state.kind === 'failed' ? state : state.kind === 'settled' ? state.failure : undefined;
  }

  /** Records the first failure, aborts the run's signal, interrupts every pending pull, tears down. */
  fail(error: unknown, outcome: RunOutcome): void {
    switch (this.state.kind) {
      case 'failed':
        // The first error wins: what follows is its echo or its consequence.
        return;
      case 'settled':
        // A settled run is history: a stage failing late is a cleanup error at most (its link says so).
        return;
      case 'stopping':
        // Once the consumer stopped, a stage rejecting with the stop's reason honoured it, and an
        // abort or a timeout came too late to matter: only a real error can still fail the run.
        if (outcome !== 'failed' || error === this.controller.signal.reason) return;
        break;
      case 'running':
        // Whatever it is, it is the first: it decides the outcome.
        break;
    }
    this.state = { kind: 'failed', error, outcome };
    this.controller.abort(error);
    this.interruptDrive?.(error);
    // The abort can come synchronously from inside a pull (a read or a stage that aborts the
    // caller's signal, a timeout firing in a driver callback), before that pull's link has
    // recorded it as pending: interrupted and closed at once, its source would be closed during
    // its own read and its stage returned while running. One microtask later every link knows.
    queueMicrotask(() => {
      // Pulls waiting for their turn of the loop (protocol 9.4) go now, to hear of the failure.
      this.share.flush();
      for (const link of this.chain.links) link.interrupt(error);
      void this.teardown();
    });
  }

  /** The consumer stopped early: abort the signal (cancels in-flight work) and tear down now. */
  stop(): Promise<void> {
    if (this.state.kind === 'running') {
      this.state = { kind: 'stopping' };
      this.controller.abort(stopReason());
    }
    const teardown = this.teardown();
    // After the links are closed (synchronously, above): the run's pulls waiting for their turn of
    // the loop go now and end, so the teardown does not wait for their turn.
    this.share.flush();
    return teardown;
  }

  topFailed(error: unknown): unknown {
    this.fail(error, 'failed');
    return this.failure ? this.failure.error : error;
  }

  // ── Cleanup ───────────────────────────────────────────────────────────────────────────────

  /**
   * An error raised while closing, or by a pull nobody waits for. The run's own error, or the
   * cancellation echoing back from a stage that honoured the signal, is not a cleanup error.
   */
  cleanupError(error: unknown, stage: string): void {
    if (!this.isEcho(error)) this.ledger.record(error, stage);
  }

  trackLate(promise: Promise<void>): void {
    this.ledger.track(promise);
  }

  bounded(closing: Promise<void>): Promise<void> {
    return this.ledger.bounded(closing);
  }

  private isEcho(error: unknown): boolean {
    const signal = this.controller.signal;
    if ((this.failure && error === this.failure.error) || (signal.aborted && error === signal.reason)) return true;
    // Node's own APIs (events.once, timers/promises) reject with an AbortError whose cause is the reason.
    return signal.aborted && isAbortError(error) && (error as { cause?: unknown }).cause === signal.reason;
  }

  /**
   * Closes every link, source first. Runs once. Waits for the closes (a file or cursor is
   * released before the run settles), but at most `cleanupTimeout` ms: a `finally` stuck in an
   * await that ignores the signal cannot hold the settlement; it stays tracked in report.closed.
   */
  private teardown(): Promise<void> {
    this.tearingDown ??= (async () => {
      const now: Promise<void>[] = [];
      for (const link of this.chain.links) {
        const closing = link.close();
        if (closing) now.push(closing);
      }
      // The source's close waits for its own read in flight, which was handed the signal (a
      // driver cancelling a query): waited for like a close, so a cursor is released, and the
      // report says when, before the run settles. A stage's deferred close is not: it may be
      // stuck in an await that ignores the signal.
      const sourceClose = this.chain.source.deferredClose;
      if (sourceClose) now.push(sourceClose);
      if (now.length > 0) await this.ledger.withinGrace(Promise.all(now));
    })();
    return this.tearingDown;
  }

  // ── Drives: what consumes the top link ────────────────────────────────────────────────────

  /**
   * Waits for the drive (the consumer's loop, or the sink) unless the run fails first: the run's
   * only race, created once, so that no pull pays for one and a pull stuck in a stage that ignores
   * the signal cannot keep the drive waiting (protocol 3.2).
   */
  private race<R>(drive: Promise<R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.interruptDrive = reject;
      drive.then(resolve, reject);
      const failure = this.failure;
      if (failure) reject(failure.error);
    });
  }

  /** `run()`: pulls to the end, discarding the items. */
  async drain(): Promise<RunReport> {
    const top = this.top;
    try {
      await this.race(
        (async () => {
          while (!(await top.pull()).done);
        })(),
      );
    } catch {
      // the run recorded it; settle() rejects with the first error
    }
    return this.settle();
  }

  /** `toArray()`: pulls to the end, keeping the items. */
  async collect(): Promise<T[]> {
    const top = this.top;
    const items: T[] = [];
    try {
      await this.race(
        (async () => {
          for (let r = await top.pull(); !r.done; r = await top.pull()) {
            for (const item of r.value) items.push(item);
          }
        })(),
      );
    } catch {
      // settle() rejects with the first error
    }
    await this.settle();
    return items;
  }

  /**
   * `iterate()`: the items for a consumer. Their end or failure is heard once the run settled (a
   * failure then rejects with the run's first error); `return()` ends the run.
   */
  consumerItems(): ItemView<T> {
    const top = this.top;
    const settle = () => this.settle();
    this.view = new ItemView<T>(() => top.next(undefined, true), { returned: settle, ending: settle });
    return this.view;
  }

  /**
   * The consumer of `iterate()` stopped: settles the run. An abort or a failure it has not pulled
   * yet is not its concern (it reached onReport); an error raised while closing is, and rejects.
   */
  async settleAfterReturn(): Promise<void> {
    try {
      await this.settle();
    } catch (error) {
      const state = this.state;
      if (state.kind === 'settled' && state.failure?.raisedWhileClosing) throw error;
    }
  }

  /** Runs a batch sink on the batches at the end of the chain. */
  drainBatchesInto<R>(sink: (source: AsyncIterable<T[]>, ctx: StageContext) => Promise<R>): Promise<R> {
    const top = this.top;
    const batches: DemandBatchIterator<T> & AsyncIterable<T[]> = {
      [Symbol.asyncIterator]() {
        return this;
      },
      next: (hint?: DemandHint, itemwise?: boolean) => top.next(hint, itemwise),
      return: async () => {
        await this.stop();
        return { done: true, value: undefined };
      },
    };
    return this.drive(() => sink(batches, this.ctx));
  }

  /** Runs a sink on the items; the sink's early return stops the run (its result or error decides the outcome). */
  drainInto<R>(sink: Sink<T, R>): Promise<R> {
    const top = this.top;
    const items = new ItemView<T>(() => top.next(undefined, true), { returned: () => this.stop() });
    this.view = items;
    return this.drive(() => sink(items, this.ctx));
  }

  private async drive<R>(start: () => Promise<R>): Promise<R> {
    // Under an already-aborted signal the sink is never called: it would open its destination.
    if (this.failure) {
      await this.settle();
      return undefined as R;
    }
    let result: R | undefined;
    const sinking = Promise.resolve().then(start);
    try {
      result = await this.race(sinking);
    } catch (error) {
      this.fail(error, 'failed');
      // The run settles without waiting for a sink stuck in its own cleanup; report.closed does.
      this.ledger.trackWithGrace(
        sinking.then(
          () => undefined,
          () => undefined,
        ),
      );
    }
    await this.settle(); // rejects with the first error, if there was one
    return result as R;
  }

  // ── Settling ──────────────────────────────────────────────────────────────────────────────

  /** Ends the run (idempotent): tears down, then resolves to the report or rejects with the first error. */
  settle(): Promise<RunReport> {
    this.settling ??= this.doSettle();
    return this.settling;
  }

  private async doSettle(): Promise<RunReport> {
    this.unlinkParent?.();
    if (this.timer !== undefined) clearTimeout(this.timer);
    // Decided now: a consumer that stops after the last item still completed the run.
    const ended = this.top.ended;
    if (this.state.kind === 'running' && !ended) void this.stop();
    await this.teardown();
    // A sink still unwinding (closing a file) gets the grace; cleanups queued behind an
    // interrupted pull get one turn (cooperative ones finish in it; a stage stuck in an await
    // does not, and stays tracked in report.closed).
    await this.ledger.settle();
    const settled = this.settledState(ended);
    this.state = settled;
    this.ledger.publish(settled.failure?.raisedWhileClosing ? settled.failure : undefined);
    const report = this.makeReport(settled);
    this.finish(report);
    if (settled.failure) throw settled.failure.error;
    return report;
  }

  /** The outcome, decided by state: the first failure, else the first error raised while closing, else how the consumer left. */
  private settledState(ended: boolean): Extract<RunState, { kind: 'settled' }> {
    const state = this.state;
    switch (state.kind) {
      case 'failed':
        // Heard as a cleanup error before it failed the run (a pull rejecting after the stop): it is the run's error now.
        this.ledger.forget(state.error);
        return {
          kind: 'settled',
          outcome: state.outcome,
          failure: { error: state.error, outcome: state.outcome, raisedWhileClosing: false },
        };
      case 'settled':
        return state;
      case 'running':
      case 'stopping': {
        const closeError = this.ledger.firstQueued;
        if (closeError) {
          return {
            kind: 'settled',
            outcome: 'failed',
            failure: { error: closeError.error, outcome: 'failed', raisedWhileClosing: true },
          };
        }
        return { kind: 'settled', outcome: ended ? 'completed' : 'stopped' };
      }
    }
  }

  /** The run ended: hands the report to `onReport`. */
  private finish(report: RunReport): void {
    this.probe?.settled(report, (error) => this.ledger.tell(error, 'onProgress'));
    if (!this.options.onReport) return;
    try {
      this.options.onReport(report);
    } catch (error) {
      this.ledger.tell(error, 'onReport');
    }
  }

  private makeReport(settled: Extract<RunState, { kind: 'settled' }>): RunReport {
    const now = performance.now() - this.started;
    const opened = this.sourceOpenedAt;
    const closedAt = this.sourceClosedAt;
    const source = this.chain.source;
    return {
      outcome: settled.outcome,
      ...(settled.failure ? { error: settled.failure.error } : {}),
      items: this.view ? this.view.delivered : this.top.items,
      durationMs: now,
      source: {
        name: source.name,
        items: source.items,
        openedAtMs: opened,
        closedAtMs: closedAt,
        heldMs: opened === null ? 0 : (closedAt ?? now) - opened,
      },
      stages: this.chain.stageReports(),
      cleanupErrors: this.ledger.errors,
      pendingCleanups: this.ledger.pending,
      closed: this.ledger.closed,
    };
  }
}
