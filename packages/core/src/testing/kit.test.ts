import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { from, fromResource } from '../index.js';
import { defineSyncStage } from '../kit/index.js';
import {
  NO_LEAKS,
  abortListenerCount,
  conformance,
  deferred,
  leakCheck,
  listenerCounts,
  slowWritable,
  trackedResource,
  trackedSource,
} from './index.js';

const inc = () =>
  defineSyncStage<number, number>('inc', () => ({
    push(batch, out) {
      for (const n of batch) out.push(n + 1);
      return true;
    },
  }));

describe('conformance', () => {
  for (const c of conformance('inc', inc, { input: [1, 2, 3] })) it(c.name, c.run);

  for (const c of conformance(
    'user generator',
    () =>
      async function* twice(source: AsyncIterable<number>) {
        for await (const n of source) yield n * 2;
      },
    { input: [1, 2, 3] },
  ))
    it(c.name, c.run);

  it('catches a stage that reads ahead more than it documents', async () => {
    const greedy = () =>
      async function* greedyStage(source: AsyncIterable<number>) {
        const all: number[] = [];
        for await (const n of source) all.push(n);
        yield* all;
      };
    const readAhead = conformance('greedy', greedy, { input: [1, 2, 3] }).find((c) => c.name.includes('reads ahead'))!;
    await expect(readAhead.run()).rejects.toThrow(/pulled 9 items, documented bound 1/);
  });

  it('catches a stage that swallows errors instead of delivering them', async () => {
    const swallowing = () =>
      async function* swallow(source: AsyncIterable<number>) {
        try {
          for await (const n of source) yield n;
        } catch {
          // swallowed
        }
      };
    const errors = conformance('swallow', swallowing, { input: [1, 2, 3] }).find((c) =>
      c.name.includes('upstream error'),
    )!;
    await expect(errors.run()).rejects.toThrow(/Missing expected rejection/);
  });
});

describe('trackedSource', () => {
  it('records pulls, closes and a scripted hang', async () => {
    const source = trackedSource({ items: [1, 2], hangAt: 1 });
    const it = source[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({ done: false, value: 1 });
    const pending = it.next();
    await source.hanging.promise;
    expect(source.open).toBe(true);
    source.release();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(source.stats).toMatchObject({ opens: 1, closes: 1, nexts: 2, produced: 1 });
  });
});

describe('trackedResource', () => {
  it('counts reads and refuses a second close', async () => {
    const { options, stats, released } = trackedResource([1, 2, 3, 4, 5], { batchSize: 2 });
    expect(await fromResource(options).toArray()).toEqual([1, 2, 3, 4, 5]);
    await released.promise;
    expect(stats).toEqual({ opens: 1, closes: 1, reads: 4, produced: 5 });
    expect(() => options.close()).toThrow('closed twice');
  });
});

describe('slowWritable', () => {
  it('records the most it buffered and its drains when the producer respects backpressure', async () => {
    const w = slowWritable({ highWaterMark: 2 });
    for (let i = 0; i < 20; i++) {
      if (!w.write(i)) await new Promise((resolve) => w.once('drain', resolve));
    }
    await new Promise<void>((resolve) => w.end(resolve));
    expect(w.chunks).toHaveLength(20);
    expect(w.maxBuffered).toBeLessThanOrEqual(2);
    expect(w.drains).toBeGreaterThan(0);
  });

  it('shows the excess when a producer ignores backpressure', async () => {
    const w = slowWritable({ highWaterMark: 2 });
    for (let i = 0; i < 20; i++) w.write(i);
    expect(w.maxBuffered).toBe(20);
    await new Promise<void>((resolve) => w.end(resolve));
  });
});

describe('leakCheck', () => {
  it('reports listeners, timers and unhandled rejections left behind', async () => {
    const controller = new AbortController();
    const emitter = new Writable();
    const leaks = leakCheck({ watch: [controller.signal, emitter] });
    controller.signal.addEventListener('abort', () => {});
    emitter.on('drain', () => {});
    const timer = setTimeout(() => {}, 10_000);
    void Promise.reject(new Error('nobody caught me'));
    const report = await leaks.finish();
    clearTimeout(timer);
    expect(report.listeners).toEqual(["AbortSignal 'abort': 0 -> 1", "Writable 'drain': 0 -> 1"]);
    expect(report.resources).toEqual(['Timeout: 1 created during the check still active']);
    expect(report.unhandledRejections).toEqual([new Error('nobody caught me')]);
    expect(abortListenerCount(controller.signal)).toBe(1);
    expect(listenerCounts(emitter, ['drain'])).toEqual({ drain: 1 });
  });

  it('finds nothing after a clean run', async () => {
    const controller = new AbortController();
    const leaks = leakCheck({ watch: [controller.signal] });
    await from([1, 2, 3]).pipe(inc()).run({ signal: controller.signal, timeout: 1000 });
    expect(await leaks.finish()).toEqual(NO_LEAKS);
  });
});

describe('deferred', () => {
  it('exposes its settle functions and whether it settled', async () => {
    const d = deferred<number>();
    expect(d.settled).toBe(false);
    d.resolve(3);
    expect(d.settled).toBe(true);
    expect(await d.promise).toBe(3);
  });
});
