import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel';
import { context, SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import {
  SluiceTypeError,
  diagnosticsChannels as CH,
  type RunTraceContext,
  type SourceMessage,
  type StageCloseMessage,
  type StageMessage,
} from '@sluice/core';
import { describeValue, validateKeys, validateObject } from '@sluice/core/kit';

/** Options of `traceRuns`. */
export interface TraceRunsOptions {
  /** The tracer the spans are made with. Default: the global provider's tracer named `@sluice/adapters`. */
  readonly tracer?: Tracer;
  /**
   * How stages appear: `'spans'` (default), a child span of the run per link from its first pull
   * to its close; `'events'`, span events on the run's span; `'none'`.
   */
  readonly stages?: 'spans' | 'events' | 'none';
}

/** A subscription made by `traceRuns`: `stop()` (or `using`) unsubscribes from every channel. */
export interface RunTracing {
  /** Unsubscribes from every channel; runs already traced keep their spans. Idempotent. */
  stop(): void;
  /** `stop()`, for `using tracing = traceRuns(…)`. */
  [Symbol.dispose](): void;
}

/** A span whose end waits for the run's outcome: its status depends on where the run's error arose. */
interface Pending {
  readonly span: Span;
  endedAt?: number;
  error?: unknown;
}

interface RunSpans {
  readonly span: Span;
  readonly context: Context;
  source?: Pending;
  readonly stages: Map<number, Pending>;
}

const now = () => performance.timeOrigin + performance.now();

function end(pending: Pending, at: number, origin: boolean, runError: unknown): void {
  if (origin) {
    pending.span.recordException(runError instanceof Error ? runError : String(runError));
    pending.span.setStatus({
      code: SpanStatusCode.ERROR,
      message: runError instanceof Error ? runError.message : String(runError),
    });
  }
  pending.span.end(pending.endedAt ?? at);
}

/**
 * Turns sluice's `node:diagnostics_channel` events into OpenTelemetry spans: one span per run
 * (outcome, items, the source's held time), a child span for the source from its opening to its
 * release, and one per stage (or span events). A run started while a span is active gets it as
 * parent.
 *
 * Contract:
 * - Subscribes at once; runs set up before the call are not traced, and `stop()` unsubscribes
 *   from every channel and ends the spans of runs still going (`sluice.run.unfinished`).
 * - Status ERROR on the run's span for `failed` and `timed-out` (an abort by the caller is not an
 *   error: the outcome attribute says `aborted`), and on the span of the source or stage where the
 *   run's error arose, with the exception recorded.
 * - Source and stage spans end at the time they closed, once the run has settled.
 *
 * @example
 * ```ts
 * const tracing = traceRuns();
 * await from([1, 2, 3]).run(); // a `sluice.run` span with `sluice.run.items` 3
 * tracing.stop();
 * ```
 */
export function traceRuns(options: TraceRunsOptions = {}): RunTracing {
  validateObject(options as unknown, 'traceRuns(options)');
  validateKeys(options, ['tracer', 'stages'], 'traceRuns(options)');
  const tracer = options.tracer === undefined ? trace.getTracer('@sluice/adapters') : options.tracer;
  if (typeof (tracer as { startSpan?: unknown } | null)?.startSpan !== 'function') {
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_OPTION',
      `traceRuns(options).tracer must be an OpenTelemetry Tracer, got ${describeValue(tracer)}`,
    );
  }
  const stages: string = options.stages ?? 'spans';
  if (!['spans', 'events', 'none'].includes(stages)) {
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_OPTION',
      `traceRuns(options).stages must be 'spans', 'events' or 'none', got ${describeValue(stages)}`,
    );
  }
  const runs = new Map<RunTraceContext, RunSpans>();

  const run = {
    start(message: RunTraceContext) {
      const parent = context.active();
      const span = tracer.startSpan(
        'sluice.run',
        {
          kind: SpanKind.INTERNAL,
          attributes: { 'sluice.source.name': message.pipeline.source, 'sluice.stages': [...message.pipeline.stages] },
        },
        parent,
      );
      runs.set(message, { span, context: trace.setSpan(parent, span), stages: new Map() });
    },
    asyncEnd(message: RunTraceContext) {
      const spans = runs.get(message);
      if (!spans) return;
      runs.delete(message);
      const report = message.report!;
      const at = now();
      const failed = message.outcome === 'failed';
      let origin = failed && spans.source?.error === message.error;
      if (spans.source) end(spans.source, at, origin, message.error);
      // Upstream first: an error passes downstream through every stage, it arose in the first.
      for (const [, pending] of [...spans.stages].sort(([a], [b]) => a - b)) {
        const here = failed && !origin && pending.error === message.error;
        origin ||= here;
        end(pending, at, here, message.error);
      }
      spans.span.setAttributes({
        'sluice.run.outcome': report.outcome,
        'sluice.run.items': report.items,
        'sluice.source.items': report.source.items,
        'sluice.source.held_ms': report.source.heldMs,
        'sluice.run.cleanup_errors': report.cleanupErrors.length,
        'sluice.run.pending_cleanups': report.pendingCleanups,
      });
      if (message.outcome === 'failed' || message.outcome === 'timed-out') {
        const error = message.error;
        spans.span.recordException(error instanceof Error ? error : String(error));
        spans.span.setStatus({
          code: SpanStatusCode.ERROR,
          message: error instanceof Error ? error.message : String(error),
        });
      }
      spans.span.end(at);
    },
  };

  const onSourceOpen = (m: unknown) => {
    const { run: owner, name } = m as SourceMessage;
    const spans = runs.get(owner);
    if (!spans) return;
    if (stages === 'events' || stages === 'none') {
      spans.span.addEvent('sluice.source.open', { 'sluice.source.name': name });
      return;
    }
    spans.source = {
      span: tracer.startSpan(`sluice.source ${name}`, { attributes: { 'sluice.source.name': name } }, spans.context),
    };
  };
  const onSourceRelease = (m: unknown) => {
    const message = m as SourceMessage;
    const spans = runs.get(message.run);
    if (!spans) return;
    const attributes = { 'sluice.source.items': message.items ?? 0, 'sluice.source.held_ms': message.heldMs ?? 0 };
    if (!spans.source) {
      spans.span.addEvent('sluice.source.release', attributes);
      return;
    }
    spans.source.span.setAttributes(attributes);
    spans.source.endedAt = now();
    if ('error' in message) spans.source.error = message.error;
  };
  const onStageOpen = (m: unknown) => {
    const { run: owner, index, name, fused } = m as StageMessage;
    const spans = runs.get(owner);
    if (!spans || stages === 'none') return;
    const attributes = { 'sluice.stage.index': index, 'sluice.stage.name': name, 'sluice.stage.fused': fused };
    if (stages === 'events') spans.span.addEvent('sluice.stage.open', attributes);
    else spans.stages.set(index, { span: tracer.startSpan(`sluice.stage ${name}`, { attributes }, spans.context) });
  };
  const onStageClose = (m: unknown) => {
    const message = m as StageCloseMessage;
    const spans = runs.get(message.run);
    if (!spans || stages === 'none') return;
    const attributes = {
      'sluice.stage.items_in': message.itemsIn,
      'sluice.stage.items_out': message.itemsOut,
      'sluice.stage.close': message.how,
    };
    if (stages === 'events') {
      spans.span.addEvent('sluice.stage.close', {
        'sluice.stage.index': message.index,
        'sluice.stage.name': message.name,
        ...attributes,
      });
      return;
    }
    const pending = spans.stages.get(message.index);
    if (!pending) return;
    pending.span.setAttributes(attributes);
    pending.endedAt = now();
    if (message.how === 'error') pending.error = message.error;
  };

  const runChannel = tracingChannel<unknown, RunTraceContext>(CH.run);
  const handlers = { start: run.start, end() {}, asyncStart() {}, asyncEnd: run.asyncEnd, error() {} };
  const plain: [string, (m: unknown) => void][] = [
    [CH.sourceOpen, onSourceOpen],
    [CH.sourceRelease, onSourceRelease],
    [CH.stageOpen, onStageOpen],
    [CH.stageClose, onStageClose],
  ];
  runChannel.subscribe(handlers);
  for (const [name, on] of plain) subscribe(name, on);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    runChannel.unsubscribe(handlers);
    for (const [name, on] of plain) unsubscribe(name, on);
    const at = now();
    for (const spans of runs.values()) {
      if (spans.source) end(spans.source, at, false, undefined);
      for (const pending of spans.stages.values()) end(pending, at, false, undefined);
      spans.span.setAttribute('sluice.run.unfinished', true);
      spans.span.end(at);
    }
    runs.clear();
  };
  return { stop, [Symbol.dispose]: stop };
}
