import { hasSubscribers, tracingChannel } from 'node:diagnostics_channel';
import { context, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { diagnosticsChannels as CH, from, fromResource } from '@sluice/core';
import { deferred } from '@sluice/core/testing';
import { filter, map, take } from '@sluice/operators';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { traceRuns, type RunTracing } from './index.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('test');
const contextManager = new AsyncLocalStorageContextManager();
let tracing: RunTracing | undefined;

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
});
afterAll(() => {
  context.disable();
});
afterEach(() => {
  tracing?.stop();
  tracing = undefined;
  exporter.reset();
});

async function* label(source: AsyncIterable<number>) {
  for await (const n of source) yield `#${n}`;
}
const byName = (name: string) => exporter.getFinishedSpans().find((s) => s.name === name)!;
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

function assertNoSluiceSubscribers() {
  expect(tracingChannel(CH.run).hasSubscribers).toBe(false);
  for (const name of [CH.sourceOpen, CH.sourceRelease, CH.stageOpen, CH.stageClose])
    expect(hasSubscribers(name), name).toBe(false);
}

describe('traceRuns', () => {
  it('makes a run span with outcome, items and source held time, and child spans for the source and each stage', async () => {
    tracing = traceRuns({ tracer });
    const report = await from([1, 2, 3, 4])
      .pipe(
        map((n: number) => n * 2),
        filter((n: number) => n > 2),
        label,
      )
      .run();
    const run = byName('sluice.run');
    expect(run.attributes).toMatchObject({
      'sluice.source.name': 'array',
      'sluice.stages': ['map', 'filter', 'label'],
      'sluice.run.outcome': 'completed',
      'sluice.run.items': 3,
      'sluice.source.items': 4,
      'sluice.source.held_ms': report.source.heldMs,
    });
    expect(run.status.code).toBe(SpanStatusCode.UNSET);
    const source = byName('sluice.source array');
    const fused = byName('sluice.stage map+filter');
    const stage = byName('sluice.stage label');
    for (const child of [source, fused, stage]) {
      expect(parentOf(child)).toBe(run.spanContext().spanId);
      expect(child.spanContext().traceId).toBe(run.spanContext().traceId);
    }
    expect(source.attributes).toMatchObject({ 'sluice.source.items': 4 });
    expect(fused.attributes).toMatchObject({
      'sluice.stage.fused': true,
      'sluice.stage.items_in': 4,
      'sluice.stage.items_out': 3,
      'sluice.stage.close': 'end',
    });
    expect(stage.attributes).toMatchObject({
      'sluice.stage.index': 2,
      'sluice.stage.items_in': 3,
      'sluice.stage.items_out': 3,
    });
  });

  it('parents the run span on the span active where the run was started', async () => {
    tracing = traceRuns({ tracer });
    await tracer.startActiveSpan('request', async (request) => {
      await from([1]).run();
      request.end();
    });
    await from([1]).run(); // started outside: a root span
    const [inside, outside] = exporter.getFinishedSpans().filter((s) => s.name === 'sluice.run');
    const request = byName('request');
    expect(parentOf(inside!)).toBe(request.spanContext().spanId);
    expect(inside!.spanContext().traceId).toBe(request.spanContext().traceId);
    expect(parentOf(outside!)).toBeUndefined();
  });

  it('sets error status on the run and on the stage where the error arose, not on the stages it passed through', async () => {
    tracing = traceRuns({ tracer });
    const boom = new Error('bad row');
    const failing = from([1, 2]).pipe(async function* check(source) {
      for await (const n of source) {
        if (n === 2) throw boom;
        yield n;
      }
    }, label);
    await expect(failing.run()).rejects.toBe(boom);
    const run = byName('sluice.run');
    expect(run.status).toEqual({ code: SpanStatusCode.ERROR, message: 'bad row' });
    expect(run.attributes['sluice.run.outcome']).toBe('failed');
    expect(run.events.map((e) => e.name)).toContain('exception');
    expect(byName('sluice.stage check').status.code).toBe(SpanStatusCode.ERROR);
    expect(byName('sluice.stage label').status.code).toBe(SpanStatusCode.UNSET);
    expect(byName('sluice.stage label').attributes['sluice.stage.close']).toBe('error');
  });

  it('marks the source span when the source’s read threw, with a read that returns at once and one that awaits', async () => {
    tracing = traceRuns({ tracer });
    for (const twin of ['sync', 'async'] as const) {
      const boom = new Error(`read failed (${twin})`);
      const failing = fromResource<string, number>({
        open: () => 'cursor',
        read: () =>
          twin === 'sync'
            ? (() => {
                throw boom;
              })()
            : Promise.reject(boom),
        close: () => undefined,
      }).pipe(label);
      await expect(failing.run()).rejects.toBe(boom);
      expect(byName('sluice.source resource').status.code).toBe(SpanStatusCode.ERROR);
      expect(byName('sluice.stage label').status.code).toBe(SpanStatusCode.UNSET);
      exporter.reset();
    }
  });

  it('does not mark an abort by the caller as an error, and says aborted', async () => {
    tracing = traceRuns({ tracer });
    const controller = new AbortController();
    const pulled = deferred<void>();
    const running = from(async function* rows({ signal }: { signal: AbortSignal }) {
      yield 1;
      pulled.resolve();
      await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    }).run({ signal: controller.signal });
    await pulled.promise;
    controller.abort();
    await expect(running).rejects.toBe(controller.signal.reason);
    const run = byName('sluice.run');
    expect(run.attributes['sluice.run.outcome']).toBe('aborted');
    expect(run.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('marks a timed-out run as an error', async () => {
    tracing = traceRuns({ tracer });
    const running = from(async function* never({ signal }: { signal: AbortSignal }) {
      await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
      yield 1;
    }).run({ timeout: 5 });
    await expect(running).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(byName('sluice.run').status.code).toBe(SpanStatusCode.ERROR);
  });

  it('closes a stage that take() ended early with "end", and one the consumer’s break left with "return"', async () => {
    tracing = traceRuns({ tracer });
    await from([1, 2, 3]).pipe(label, take(1)).toArray();
    expect(byName('sluice.stage take').attributes['sluice.stage.close']).toBe('end');
    exporter.reset();
    for await (const _ of from([1, 2, 3]).pipe(label)) break;
    expect(byName('sluice.stage label').attributes['sluice.stage.close']).toBe('return');
    expect(byName('sluice.run').attributes['sluice.run.outcome']).toBe('stopped');
  });

  it('puts stages as events on the run span with stages: "events"', async () => {
    tracing = traceRuns({ tracer, stages: 'events' });
    await from([1, 2]).pipe(label).run();
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['sluice.run']);
    expect(spans[0]!.events.map((e) => e.name)).toEqual([
      'sluice.stage.open',
      'sluice.source.open',
      'sluice.source.release',
      'sluice.stage.close',
    ]);
    expect(spans[0]!.events.at(-1)!.attributes).toMatchObject({
      'sluice.stage.name': 'label',
      'sluice.stage.items_out': 2,
    });
  });

  it('unsubscribes from every channel on stop() and with `using`, and traces nothing after', async () => {
    traceRuns({ tracer }).stop();
    assertNoSluiceSubscribers();
    {
      using _scope = traceRuns({ tracer });
      expect(tracingChannel(CH.run).hasSubscribers).toBe(true);
    }
    assertNoSluiceSubscribers();
    await from([1]).pipe(label).run();
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('ends the spans of a run still going when stopped, marked unfinished', async () => {
    tracing = traceRuns({ tracer });
    const gate = deferred<void>();
    const pulled = deferred<void>();
    const running = from(async function* rows() {
      yield 1;
      pulled.resolve();
      await gate.promise;
    })
      .pipe(label)
      .run();
    await pulled.promise;
    tracing.stop();
    expect(byName('sluice.run').attributes['sluice.run.unfinished']).toBe(true);
    expect(
      exporter
        .getFinishedSpans()
        .map((s) => s.name)
        .sort(),
    ).toEqual(['sluice.run', 'sluice.source rows', 'sluice.stage label']);
    gate.resolve();
    await running;
    expect(exporter.getFinishedSpans()).toHaveLength(3);
  });

  it('rejects bad options with coded errors', () => {
    expect(() => traceRuns({ tracer: {} as never })).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }),
    );
    expect(() => traceRuns({ stages: 'all' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }),
    );
    expect(() => traceRuns({ tracers: tracer } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }),
    );
    for (const weird of [null, Symbol('t'), 10n, Object.create(null)]) {
      expect(() => traceRuns({ tracer: weird as never }), String(typeof weird)).toThrow(
        expect.objectContaining({
          code: 'ERR_SLUICE_INVALID_OPTION',
          message: expect.stringContaining('traceRuns(options).tracer'),
        }),
      );
    }
    expect(() => traceRuns(null as never)).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }));
    assertNoSluiceSubscribers();
  });
});
