import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { defineSyncStage } from './kit/index.js';
import {
  diagnosticsChannels as CH,
  from,
  fromResource,
  type RunTraceContext,
  type StageCloseMessage,
} from './index.js';
import { probeRun } from './internal/probe.js';
import { deferred } from './testing/index.js';

type Event = [string, unknown];
const undo: (() => void)[] = [];
afterEach(() => {
  for (const f of undo.splice(0)) f();
});

/** Records every sluice event, in order, as [channel, message]; unsubscribed after the test. */
function record(): Event[] {
  const events: Event[] = [];
  const run = tracingChannel<unknown, RunTraceContext>(CH.run);
  const handlers = {
    start: (m: RunTraceContext) => events.push(['start', { ...m }]),
    end: (m: RunTraceContext) => events.push(['end', m]),
    asyncStart: (m: RunTraceContext) => events.push(['asyncStart', { ...m }]),
    asyncEnd: (m: RunTraceContext) => events.push(['asyncEnd', m]),
    error: (m: RunTraceContext) => events.push(['error', { ...m }]),
  };
  run.subscribe(handlers);
  undo.push(() => run.unsubscribe(handlers));
  for (const name of [CH.sourceOpen, CH.sourceRelease, CH.stageOpen, CH.stageClose]) {
    const on = (m: unknown) => events.push([name, m]);
    subscribe(name, on);
    undo.push(() => unsubscribe(name, on));
  }
  return events;
}

const double = defineSyncStage('double', () => ({
  push(batch: readonly number[], out: number[]) {
    for (const n of batch) out.push(n * 2);
    return true;
  },
}));
async function* label(source: AsyncIterable<number>) {
  for await (const n of source) yield `#${n}`;
}

describe('diagnostics_channel', () => {
  it('traces a completed run: start and end at setup with the pipeline, then asyncStart and asyncEnd with the outcome and the report', async () => {
    const events = record();
    const report = await from([1, 2, 3]).pipe(double, label).run();
    expect(events.map(([n]) => n)).toEqual([
      'start',
      'end',
      // Pull-based: the last stage is pulled first, the source opens when the pull reaches it.
      CH.stageOpen,
      CH.stageOpen,
      CH.sourceOpen,
      CH.sourceRelease,
      CH.stageClose,
      CH.stageClose,
      'asyncStart',
      'asyncEnd',
    ]);
    expect(events[0]![1]).toEqual({ pipeline: { source: 'array', stages: ['double', 'label'] } });
    const settled = events.at(-1)![1] as RunTraceContext;
    expect(settled.outcome).toBe('completed');
    expect(settled.result).toBe(report);
    expect(settled.report).toBe(report);
    expect('error' in settled).toBe(false);
    // One context object for the whole run, referenced by the source and stage messages.
    for (const [, m] of events.slice(2, -2)) expect((m as { run: unknown }).run).toBe(settled);
    expect(events[1]![1]).toBe(settled);
  });

  it('says which stage closed how, with its items in and out', async () => {
    const events = record();
    await from([1, 2, 3]).pipe(double, label).run();
    const closes = events.filter(([n]) => n === CH.stageClose).map(([, m]) => m as StageCloseMessage);
    expect(
      closes.map(({ index, name, fused, itemsIn, itemsOut, how }) => ({ index, name, fused, itemsIn, itemsOut, how })),
    ).toEqual([
      { index: 1, name: 'double', fused: true, itemsIn: 3, itemsOut: 3, how: 'end' },
      { index: 2, name: 'label', fused: false, itemsIn: 3, itemsOut: 3, how: 'end' },
    ]);
    const release = events.find(([n]) => n === CH.sourceRelease)![1] as { items: number; heldMs: number; name: string };
    expect(release).toMatchObject({ name: 'array', items: 3 });
    expect(release.heldMs).toBeGreaterThanOrEqual(0);
  });

  it('publishes error with the run’s own error, then asyncStart, when a stage throws; the stage closes with how "error"', async () => {
    const events = record();
    const boom = new Error('boom');
    const failing = from([1, 2]).pipe(async function* explode(source) {
      for await (const n of source) if (n === 2) throw boom;
      yield 0;
    });
    await expect(failing.run()).rejects.toBe(boom);
    const names = events.map(([n]) => n);
    expect(names.slice(-3)).toEqual(['error', 'asyncStart', 'asyncEnd']);
    const settled = events.at(-1)![1] as RunTraceContext;
    expect(settled).toMatchObject({ outcome: 'failed', error: boom });
    expect(settled.report!.error).toBe(boom);
    expect('result' in settled).toBe(false);
    const close = events.find(([n]) => n === CH.stageClose)![1] as StageCloseMessage;
    expect(close).toMatchObject({ name: 'explode', how: 'error', error: boom, itemsIn: 2, itemsOut: 0 });
  });

  it('traces an aborted run with the signal’s reason as its error; a stage whose pull the abort ended closes with that reason', async () => {
    const events = record();
    const controller = new AbortController();
    const pulled = deferred<void>();
    const running = from(async function* rows({ signal }: { signal: AbortSignal }) {
      yield 1;
      pulled.resolve();
      await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    })
      .pipe(label)
      .run({ signal: controller.signal });
    await pulled.promise;
    controller.abort();
    await expect(running).rejects.toBe(controller.signal.reason);
    const settled = events.at(-1)![1] as RunTraceContext;
    expect(settled).toMatchObject({ outcome: 'aborted', error: controller.signal.reason });
    expect(events.map(([n]) => n)).toContain('error');
    const close = events.find(([n]) => n === CH.stageClose)![1] as StageCloseMessage;
    expect(close).toMatchObject({
      name: 'label',
      how: 'error',
      error: controller.signal.reason,
      itemsIn: 1,
      itemsOut: 1,
    });
  });

  it('closes the stages a consumer’s break left with how "return", on a synchronous source', async () => {
    const events = record();
    for await (const item of from([1, 2, 3]).pipe(label)) {
      expect(item).toBe('#1');
      break;
    }
    const close = events.find(([n]) => n === CH.stageClose)![1] as StageCloseMessage;
    expect(close).toMatchObject({ name: 'label', how: 'return' });
    expect((events.at(-1)![1] as RunTraceContext).outcome).toBe('stopped');
  });

  it('tells when a resource source opens and is released, with a read that returns at once and with one that awaits', async () => {
    for (const twin of ['returns at once', 'awaits'] as const) {
      const events = record();
      let rows: number[] | null = [1, 2];
      await fromResource({
        open: () => 'cursor',
        read: () => {
          const batch = rows;
          rows = null;
          return twin === 'awaits' ? Promise.resolve(batch) : batch;
        },
        close: () => undefined,
      }).run();
      const source = events.filter(([n]) => n === CH.sourceOpen || n === CH.sourceRelease);
      expect(
        source.map(([n]) => n),
        twin,
      ).toEqual([CH.sourceOpen, CH.sourceRelease]);
      expect(source[1]![1], twin).toMatchObject({ name: 'resource', items: 2 });
      for (const f of undo.splice(0)) f();
    }
  });

  it('says on release what the source’s read threw, so a tracer can tell where the run’s error arose', async () => {
    const events = record();
    const boom = new Error('cursor broke');
    const failing = fromResource<string, number>({
      open: () => 'cursor',
      read: () => {
        throw boom;
      },
      close: () => undefined,
    }).pipe(label);
    await expect(failing.run()).rejects.toBe(boom);
    expect(events.find(([n]) => n === CH.sourceRelease)![1]).toMatchObject({ name: 'resource', items: 0, error: boom });
    expect(events.find(([n]) => n === CH.stageClose)![1]).toMatchObject({ name: 'label', how: 'error', error: boom });
  });

  it('publishes nothing for a run set up before anyone subscribed: hasSubscribers is read once per run, at setup', async () => {
    const gate = deferred<void>();
    const running = from(async function* rows() {
      await gate.promise;
      yield 1;
    })
      .pipe(label)
      .run();
    const events = record();
    gate.resolve();
    await running;
    expect(events).toEqual([]);
  });

  it('makes no probe, so wraps no iterator, when nobody subscribes and no onProgress is given', () => {
    expect(probeRun([], 'array', {}, { fail() {} })).toBeUndefined();
    const events = record();
    expect(probeRun([], 'array', {}, { fail() {} })).toBeDefined();
    expect(events.map(([n]) => n)).toEqual(['start', 'end']);
  });
});
