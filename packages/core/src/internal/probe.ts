import {
  runChannel,
  sourceOpenChannel,
  sourceReleaseChannel,
  stageCloseChannel,
  stageOpenChannel,
  type RunTraceContext,
  type StageCloseMessage,
} from '../observe.js';
import type { BatchIterator, PullRecord } from './protocol.js';
import type { RunOptions, RunOutcome, RunReport } from '../types.js';
import { Progress } from './progress.js';
import type { StageSpec } from './stage-iterators.js';

/** Bytes an item holds, as `from()`'s `batchBytes` counts them: a string's length, else `byteLength`. */
function bytesOf(batch: readonly unknown[]): number {
  const first = batch[0];
  if (typeof first !== 'string' && typeof (first as { byteLength?: unknown } | null)?.byteLength !== 'number') return 0;
  let bytes = 0;
  for (const item of batch) {
    if (typeof item === 'string') bytes += item.length;
    else if (typeof (item as { byteLength?: unknown } | null)?.byteLength === 'number')
      bytes += (item as { byteLength: number }).byteLength;
  }
  return bytes;
}

/**
 * Sits between a link and its iterator, only in an observed run (so an unobserved run pays
 * nothing per batch): counts the items, and the bytes at the end of the chain, and tells the probe
 * when the iterator is first pulled and when it ends, fails or has been returned.
 */
export class ProbedIterator implements BatchIterator<unknown> {
  items = 0;
  bytes = 0;
  private opened = false;
  private closed = false;
  private pending = false;
  /** Runs once the pull in flight is counted (see RunProbe.sourceReleased). */
  private afterPull: (() => void) | undefined;

  constructor(
    private readonly inner: BatchIterator<unknown>,
    private readonly probe: RunProbe,
    readonly index: number,
    readonly name: string,
    readonly fused: boolean,
    /** Only for progress, which reports the bytes the source read and the chain delivered. */
    private readonly countBytes: boolean,
  ) {
    // A fused loop reports its pulls to its link itself (protocol.ts): it still may, through us.
    if (inner.reportTo) this.reportTo = (record) => inner.reportTo!(record);
  }

  readonly reportTo?: (record: PullRecord<unknown>) => void;

  get returnWhilePending(): boolean {
    return this.inner.returnWhilePending === true;
  }

  next(hint?: number, itemwise?: boolean): Promise<IteratorResult<unknown[], undefined>> {
    if (!this.opened) {
      this.opened = true;
      this.probe.stageOpened(this);
    }
    this.pending = true;
    return this.inner.next(hint, itemwise).then(this.onResult, this.onError);
  }

  /** Calls `f` now, or once the pull in flight has been counted. */
  whenCounted(f: () => void): void {
    if (this.pending) this.afterPull = f;
    else f();
  }

  private readonly onResult = (result: IteratorResult<unknown[], undefined>): IteratorResult<unknown[], undefined> => {
    if (result.done) this.finish('end');
    else {
      this.items += result.value.length;
      if (this.countBytes) this.bytes += bytesOf(result.value);
    }
    this.counted();
    return result;
  };

  private readonly onError = (error: unknown): never => {
    this.finish('error', error);
    this.counted();
    throw error;
  };

  private counted(): void {
    this.pending = false;
    const after = this.afterPull;
    this.afterPull = undefined;
    after?.();
  }

  async return(): Promise<unknown> {
    try {
      return await this.inner.return();
    } finally {
      if (this.opened) this.finish('return');
    }
  }

  private finish(how: StageCloseMessage['how'], error?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.probe.stageClosed(this, how, error);
  }
}

/** Which channels had subscribers when the run was set up. */
interface Listening {
  readonly tracing: boolean;
  readonly stageEvents: boolean;
  readonly sourceEvents: boolean;
}

/** What the probe needs of the run: failing it (a throwing `onProgress`). */
export interface ProbedRun {
  fail(error: unknown, outcome: RunOutcome): void;
}

/**
 * Observes one run, created only when something listens: a subscriber on a `sluice:` channel
 * (checked once per run, here) or `onProgress`. The run calls it at setup (`wrap`, per link),
 * when its source opens and is released, and when it settles; never per item.
 */
export class RunProbe {
  readonly context: RunTraceContext;
  readonly started = performance.now();
  readonly links: ProbedIterator[] = [];
  openedAt: number | null = null;
  closedAt: number | null = null;
  /** What the source's pull rejected with, if it did: a tracer marks where an error arose. */
  private sourceFailure: { readonly error: unknown } | undefined;
  private readonly progress: Progress | undefined;

  constructor(
    stages: readonly StageSpec[],
    sourceName: string,
    options: RunOptions,
    run: ProbedRun,
    private readonly listening: Listening,
  ) {
    const names = stages.map((spec) => (spec.kind === 'item' ? spec.name : spec.kernel.name));
    this.context = { pipeline: { source: sourceName, stages: names } };
    if (listening.tracing) {
      // The run is set up synchronously in the caller's context: a subscriber's `start` sees the
      // caller's active span or store, which is what a tracer parents the run's span on.
      runChannel.start.publish(this.context);
      runChannel.end.publish(this.context);
    }
    if (options.onProgress) this.progress = new Progress(this, options.onProgress, options.progressInterval, run);
  }

  wrap<T>(iterator: BatchIterator<T>, name: string, fused: boolean): BatchIterator<T> {
    const probed = new ProbedIterator(
      iterator as BatchIterator<unknown>,
      this,
      this.links.length,
      name,
      fused,
      this.progress !== undefined,
    );
    this.links.push(probed);
    return probed as BatchIterator<T>;
  }

  heldMs(now: number): number {
    return this.openedAt === null ? 0 : (this.closedAt ?? now) - this.openedAt;
  }

  sourceOpened(): void {
    this.openedAt ??= performance.now();
    if (this.listening.sourceEvents)
      sourceOpenChannel.publish({ run: this.context, name: this.context.pipeline.source });
  }

  sourceReleased(): void {
    const closedAt = (this.closedAt ??= performance.now());
    const source = this.links[0];
    if (!this.listening.sourceEvents || !source) return;
    // A source releases inside the pull that hands on its last batch: published once it is counted.
    source.whenCounted(() =>
      sourceReleaseChannel.publish({
        run: this.context,
        name: this.context.pipeline.source,
        items: source.items,
        heldMs: this.heldMs(closedAt),
        ...(this.sourceFailure ?? {}),
      }),
    );
  }

  stageOpened(link: ProbedIterator): void {
    if (this.listening.stageEvents && link.index > 0) {
      stageOpenChannel.publish({ run: this.context, index: link.index, name: link.name, fused: link.fused });
    }
  }

  stageClosed(link: ProbedIterator, how: StageCloseMessage['how'], error: unknown): void {
    if (link.index === 0 && how === 'error') this.sourceFailure = { error };
    if (!this.listening.stageEvents || link.index === 0) return;
    const message: StageCloseMessage = {
      run: this.context,
      index: link.index,
      name: link.name,
      fused: link.fused,
      itemsIn: this.links[link.index - 1]!.items,
      itemsOut: link.items,
      how,
      ...(how === 'error' ? { error } : {}),
    };
    stageCloseChannel.publish(message);
  }

  /** The run settled: the final progress snapshot, then the end of the run's trace. */
  settled(report: RunReport, hookFailed: (error: unknown) => void): void {
    this.progress?.final(report, hookFailed);
    if (!this.listening.tracing) return;
    const context = this.context;
    context.outcome = report.outcome;
    context.report = report;
    if ('error' in report) {
      context.error = report.error;
      runChannel.error.publish(context);
    } else context.result = report;
    runChannel.asyncStart.publish(context);
    runChannel.asyncEnd.publish(context);
  }
}

/** The run's probe, or undefined (and no cost) when nobody listens. */
export function probeRun(
  stages: readonly StageSpec[],
  sourceName: string,
  options: RunOptions,
  run: ProbedRun,
): RunProbe | undefined {
  const tracing = runChannel.hasSubscribers;
  const stageEvents = stageOpenChannel.hasSubscribers || stageCloseChannel.hasSubscribers;
  const sourceEvents = sourceOpenChannel.hasSubscribers || sourceReleaseChannel.hasSubscribers;
  if (!tracing && !stageEvents && !sourceEvents && !options.onProgress) return undefined;
  return new RunProbe(stages, sourceName, options, run, { tracing, stageEvents, sourceEvents });
}
