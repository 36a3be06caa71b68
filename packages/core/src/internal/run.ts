import { clearTimeout as realClearTimeout, setImmediate, setTimeout as realSetTimeout } from 'node:timers';
import { cleanupReporterOf, isAbortError, registerCleanupReporter, timeoutReason, warnCleanupError } from '../errors.js';
import type { BatchIterator, SourceSpec } from '../source.js';
import type { RunOptions, RunOutcome, RunReport, Sink, StageContext } from '../types.js';
import { Link, type LinkOwner } from './link.js';
import { linkSignal } from './signal-link.js';
import { probeRun, type RunProbe } from './probe.js';
import { FusedIterator } from './fused.js';
import { BatchStageIterator, ItemStageIterator, ItemView, type StageSpec, type StageStats } from './segments.js';

/** A pipeline as the builder recorded it: a source and its stages, opened anew by every run. */
export interface Plan {
  readonly source: SourceSpec<unknown>;
  readonly stages: readonly StageSpec[];
}

/** How long teardown waits for the closes before settling anyway (tracked in report.closed). */
const DEFAULT_CLEANUP_TIMEOUT = 1000;

function stopReason(): DOMException {
  return new DOMException('The pipeline was stopped before its end', 'AbortError');
}

// Imported from node:timers so that fake timers installed on the globals do not freeze teardown.
const nextMacrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Waits for `promise`, but at most `ms` (at least one macrotask), on a real timer: fake timers in a user's tests must not freeze teardown. */
async function raceTimer(promise: Promise<unknown>, ms: number): Promise<void> {
  if (ms <= 0) {
    await Promise.race([promise, nextMacrotask()]);
    return;
  }
  let timer: ReturnType<typeof realSetTimeout> | undefined;
  await Promise.race([
    promise,
    new Promise<void>((resolve) => {
      timer = realSetTimeout(resolve, ms);
    }),
  ]);
  realClearTimeout(timer);
}

/**
 * One execution of a plan. It owns the run's single AbortController (linked to the caller's
 * signal and the timeout by listeners it removes again), every link of the chain, and the report.
 */
export class Run<T> implements LinkOwner {
  readonly controller = new AbortController();
  readonly ctx: StageContext = { signal: this.controller.signal };
  failure: { readonly error: unknown } | undefined;
  readonly interruptible: boolean;
  private readonly fused: FusedIterator[] = [];
  private outcome: RunOutcome | undefined;
  private readonly links: Link<unknown>[] = [];
  private readonly top: Link<T>;
  private readonly stats: { stat: StageStats; input?: Link<unknown>; output?: Link<unknown> }[] = [];
  private readonly started = performance.now();
  private sourceOpenedAt: number | null = null;
  private sourceClosedAt: number | null = null;
  private readonly late: Promise<void>[] = [];
  private lateCount = 0;
  private readonly cleanupErrors: unknown[] = [];
  /** Set when this run's signal is another run's (a pipeline run inside a stage): its hook gets our cleanup errors. */
  private readonly parentReporter: ((error: unknown, where: string) => void) | undefined;
  private readonly unreported: { error: unknown; stage: string }[] = [];
  private tearingDown: Promise<void> | undefined;
  private settling: Promise<RunReport> | undefined;
  private settled = false;
  private stopping = false;
  /** The run's only error was raised while tearing down (the consumer must hear of it). */
  failedInCleanup = false;
  private view: ItemView<T> | undefined;
  private readonly failed: Promise<never>;
  private rejectFailed!: (error: unknown) => void;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly unlinkParent: (() => void) | undefined;
  /** observe: diagnostics_channel and progress (probe.ts); undefined, and free, when nobody listens. */
  private readonly probe: RunProbe | undefined;

  constructor(
    plan: Plan,
    private readonly options: RunOptions,
  ) {
    this.failed = new Promise<never>((_, reject) => {
      this.rejectFailed = reject;
    });
    this.failed.catch(() => undefined);
    const { signal, timeout } = options;
    registerCleanupReporter(this.controller.signal, (error, where) => this.cleanupError(error, where));
    if (!options.onCleanupError) this.parentReporter = cleanupReporterOf(signal);
    this.interruptible = signal !== undefined || (timeout !== undefined && timeout !== Infinity);
    if (signal) this.unlinkParent = linkSignal(signal, () => this.fail(signal.reason, 'aborted'));
    if (timeout !== undefined && timeout !== Infinity) {
      this.timer = setTimeout(() => this.fail(timeoutReason(timeout), 'timed-out'), timeout);
    }
    this.probe = probeRun(plan.stages, plan.source.name, options, this);
    this.top = this.build(plan) as Link<T>;
    this.top.isTop = true;
  }

  private build(plan: Plan): Link<unknown> {
    const hooks = {
      opened: () => {
        this.sourceOpenedAt ??= performance.now() - this.started;
        this.probe?.sourceOpened();
      },
      released: () => {
        this.sourceClosedAt ??= performance.now() - this.started;
        this.probe?.sourceReleased();
      },
      cleanupError: (error: unknown) => this.cleanupError(error, plan.source.name),
      bounded: this.bounded,
    };
    // observe: in an observed run every link's iterator is wrapped by the probe, at setup.
    const probed = <I>(iterator: BatchIterator<I>, name: string, fused: boolean) => this.probe?.wrap(iterator, name, fused) ?? iterator;
    let link = new Link<unknown>(this, probed(plan.source.open(this.ctx, hooks), plan.source.name, false), plan.source.name);
    this.links.push(link);
    const stages = plan.stages;
    for (let i = 0; i < stages.length; ) {
      const spec = stages[i]!;
      const input = link;
      if (spec.kind === 'sync') {
        const kernels = [];
        for (; i < stages.length && stages[i]!.kind === 'sync'; i++) {
          kernels.push((stages[i] as Extract<StageSpec, { kind: 'sync' }>).kernel);
        }
        const stats = kernels.map((k) => ({ name: k.name, fused: true, itemsIn: 0, itemsOut: 0, timeMs: 0 }));
        for (const stat of stats) this.stats.push({ stat });
        const name = kernels.map((k) => k.name).join('+');
        const fused = new FusedIterator(input, kernels, this.ctx, stats);
        this.fused.push(fused);
        link = new Link(this, probed(fused, name, true), name);
      } else {
        i++;
        const name = spec.kind === 'batch' ? spec.kernel.name : spec.name;
        const iterator =
          spec.kind === 'batch'
            ? new BatchStageIterator(input, spec.kernel, this.ctx, this.bounded)
            : new ItemStageIterator(input, spec, this.ctx, this.bounded);
        link = new Link(this, probed(iterator, name, false), name);
        this.stats.push({ stat: { name, fused: false, itemsIn: 0, itemsOut: 0, timeMs: 0 }, input, output: link });
      }
      this.links.push(link);
    }
    return link;
  }

  /** Records the first failure, aborts the run's signal, interrupts every pending pull, tears down. */
  fail(error: unknown, outcome: RunOutcome): void {
    if (this.failure || this.settled) return;
    // A stage that honoured the stop by rejecting with its reason has not failed the run.
    if (this.stopping && error === this.controller.signal.reason) return;
    // Once the consumer stopped, only its own error can still fail the run; a late abort cannot.
    if (this.stopping && outcome !== 'failed') return;
    this.failure = { error };
    this.outcome = outcome;
    this.controller.abort(error);
    this.rejectFailed(error);
    // The abort can come synchronously from inside a pull (a read or a stage that aborts the
    // caller's signal, a timeout firing in a driver callback), before that pull's link has
    // recorded it as pending: interrupted and closed at once, its source would be closed during
    // its own read and its stage returned while running. One microtask later every link knows.
    queueMicrotask(() => {
      for (const link of this.links) link.interrupt(error);
      void this.teardown();
    });
  }

  /**
   * Records an error raised while closing. The same error can arrive by two paths (a stage's
   * finally rethrows what its input's close threw); it counts once. The run's own error, or the
   * cancellation echoing back from a stage that honoured the signal, is not a cleanup error.
   */
  cleanupError(error: unknown, stage: string): void {
    if (this.cleanupErrors.includes(error) || this.isEcho(error)) return;
    this.cleanupErrors.push(error);
    if (this.settled) this.report(error, stage);
    else this.unreported.push({ error, stage });
  }

  /**
   * Tracks a cleanup that may outlive the run. `graced`: one the run started and waits for up to
   * its cleanupTimeout (a close, a sink unwinding). Otherwise it is queued behind a pull that may
   * never settle (a stage stuck in an await), and settlement does not wait for it.
   */
  trackLate(promise: Promise<void>, graced = false): void {
    this.lateCount++;
    const tracked = promise.finally(() => {
      this.lateCount--;
    });
    this.late.push(tracked);
    if (graced) this.graced.push(tracked);
  }

  private readonly graced: Promise<void>[] = [];

  /**
   * Waits for a close at most cleanupTimeout from now (the one bound every close inside a pull or
   * teardown gets), and tracks it in report.closed: settling does not wait for it again. The close
   * must not reject: it reports its own errors as cleanup errors.
   */
  readonly bounded = (closing: Promise<void>): Promise<void> => {
    this.trackLate(closing);
    return raceTimer(closing, this.options.cleanupTimeout ?? DEFAULT_CLEANUP_TIMEOUT);
  };

  private dropCleanupError(error: unknown): void {
    const at = this.cleanupErrors.indexOf(error);
    if (at >= 0) this.cleanupErrors.splice(at, 1);
    const queued = this.unreported.findIndex((entry) => entry.error === error);
    if (queued >= 0) this.unreported.splice(queued, 1);
  }

  private isEcho(error: unknown): boolean {
    const reason: unknown = this.controller.signal.reason;
    if (error === this.failure?.error || (this.controller.signal.aborted && error === reason)) return true;
    // Node's own APIs (events.once, timers/promises) reject with an AbortError whose cause is the reason.
    return this.controller.signal.aborted && isAbortError(error) && (error as { cause?: unknown }).cause === reason;
  }

  private report(error: unknown, stage: string, warn = true): void {
    if (this.parentReporter) {
      this.parentReporter(error, stage);
      return;
    }
    if (this.options.onCleanupError) {
      try {
        this.options.onCleanupError(error, stage);
        return;
      } catch {
        // A throwing hook must not hide the error it was given: fall through to the warning.
      }
    }
    if (warn) warnCleanupError(error, stage);
  }

  /**
   * Closes every link, source first. Runs once. Waits for the closes (a file or cursor is
   * released before the run settles), but at most `cleanupTimeout` ms: a `finally` stuck in an
   * await that ignores the signal cannot hold the settlement; it stays tracked in report.closed.
   */
  private teardown(): Promise<void> {
    this.tearingDown ??= (async () => {
      const now: Promise<void>[] = [];
      for (const link of this.links) {
        const closing = link.close();
        if (closing) now.push(closing);
      }
      // Each close is tracked by bounded(), and resolves within cleanupTimeout. The source's close
      // waits for its own read in flight, which was handed the signal (a driver cancelling a
      // query): waited for like a close, so a cursor is released, and the report says when, before
      // the run settles. A stage's deferred close is not: it may be stuck in an await that ignores
      // the signal.
      const sourceClose = this.links[0]!.deferredClose;
      if (sourceClose) now.push(sourceClose);
      if (now.length === 0) return;
      await this.withinGrace(Promise.all(now));
    })();
    return this.tearingDown;
  }

  private graceEnds: number | undefined;

  /** Waits for `promise`, but no longer than the run's cleanupTimeout counted from the first call. */
  private async withinGrace(promise: Promise<unknown>): Promise<void> {
    const grace = this.options.cleanupTimeout ?? DEFAULT_CLEANUP_TIMEOUT;
    this.graceEnds ??= performance.now() + grace;
    await raceTimer(promise, this.graceEnds - performance.now());
  }

  /** Pulls the next batch from the end of the chain; a failure there fails the run. */
  /** `hint`: the most items the consumer can use (a sink like `first()`), passed up to the source. */
  pull(hint?: number): Promise<IteratorResult<T[], undefined>> {
    return this.top.next(hint);
  }

  topFailed(error: unknown): unknown {
    this.fail(error, 'failed');
    return this.failure ? this.failure.error : error;
  }

  /** Waits for `promise` unless the run fails first. */
  race<R>(promise: Promise<R>): Promise<R> {
    return Promise.race([promise, this.failed]);
  }

  /** Ends the run (idempotent): tears down, then resolves to the report or rejects with the first error. */
  settle(): Promise<RunReport> {
    this.settling ??= this.doSettle();
    return this.settling;
  }

  private async doSettle(): Promise<RunReport> {
    this.unlinkParent?.();
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (!this.failure) {
      if (this.top.ended) this.outcome = 'completed';
      else {
        this.outcome = 'stopped';
        this.stop();
      }
    }
    await this.teardown();
    // A sink still unwinding (closing a file) gets the grace; cleanups queued behind an
    // interrupted pull get one turn (cooperative ones finish in it; a stage stuck in an await
    // does not, and stays tracked in report.closed).
    if (this.graced.length > 0) await this.withinGrace(Promise.all(this.graced));
    if (this.lateCount > 0) await Promise.race([Promise.all(this.late), nextMacrotask()]);
    // Heard as a cleanup error before it failed the run (a pull rejecting after the stop): it is the run's error now.
    if (this.failure) this.dropCleanupError(this.failure.error);
    else if (this.unreported.length > 0) {
      this.failure = { error: this.unreported[0]!.error };
      this.outcome = 'failed';
      this.failedInCleanup = true;
    }
    this.settled = true;
    for (const { error, stage } of this.unreported.splice(0)) {
      // The error the run rejects with reaches the hook, but needs no warning: the caller gets it.
      this.report(error, stage, !(this.failedInCleanup && error === this.failure?.error));
    }
    const report = this.makeReport();
    this.probe?.settled(report, (error) => this.report(error, 'onProgress'));
    if (this.options.onReport) {
      try {
        this.options.onReport(report);
      } catch (error) {
        this.report(error, 'onReport');
      }
    }
    if (this.failure) throw this.failure.error;
    return report;
  }

  private makeReport(): RunReport {
    for (const fused of this.fused) fused.report();
    const now = performance.now() - this.started;
    const opened = this.sourceOpenedAt;
    const closedAt = this.sourceClosedAt;
    const stages = this.stats.map(({ stat, input, output }) =>
      input && output
        ? { ...stat, itemsIn: input.items, itemsOut: output.items, timeMs: Math.max(0, output.busyMs - input.busyMs) }
        : { ...stat },
    );
    const source = this.links[0]!;
    return {
      outcome: this.outcome!,
      ...(this.failure ? { error: this.failure.error } : {}),
      items: this.view ? this.view.delivered : this.top.items,
      durationMs: now,
      source: {
        name: source.name,
        items: source.items,
        openedAtMs: opened,
        closedAtMs: closedAt,
        heldMs: opened === null ? 0 : (closedAt ?? now) - opened,
      },
      stages,
      cleanupErrors: this.cleanupErrors,
      pendingCleanups: this.lateCount,
      closed: Promise.all(this.late).then(() => undefined),
    };
  }

  /**
   * The items at the end of the chain. For a consumer (`settleOnReturn`), `return()` ends the
   * run; for a sink it only tears down, since the sink's own result or error decides the outcome.
   */
  items(settleOnReturn: boolean): ItemView<T> {
    this.view = new ItemView<T>(
      () => this.pull(),
      () => (settleOnReturn ? this.settle() : this.stop()),
    );
    return this.view;
  }

  /** The consumer stopped early: abort the signal (cancels in-flight work) and tear down now. */
  stop(): Promise<void> {
    if (!this.stopping && !this.failure) {
      this.stopping = true;
      this.controller.abort(stopReason());
    }
    return this.teardown();
  }

  /** Runs a batch sink on the batches at the end of the chain. */
  drainBatchesInto<R>(sink: (source: AsyncIterable<T[]>, ctx: StageContext) => Promise<R>): Promise<R> {
    const batches: AsyncIterableIterator<T[]> = {
      [Symbol.asyncIterator]() {
        return this;
      },
      next: (hint?: number) => this.pull(hint),
      return: async () => {
        await this.stop();
        return { done: true, value: undefined };
      },
    };
    return this.drive(() => sink(batches, this.ctx));
  }

  /** Runs a sink on the items; the sink's early return stops the run, its error fails it. */
  drainInto<R>(sink: Sink<T, R>): Promise<R> {
    return this.drive(() => sink(this.items(false), this.ctx));
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
      this.trackLate(
        sinking.then(
          () => undefined,
          () => undefined,
        ),
        true,
      );
    }
    await this.settle(); // rejects with the first error, if there was one
    return result as R;
  }
}

