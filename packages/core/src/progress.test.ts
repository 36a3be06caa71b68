import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { from, type ProgressSnapshot } from './index.js';
import { deferred } from './testing/index.js';

async function* upper(source: AsyncIterable<string>) {
  for await (const s of source) yield s.toUpperCase();
}

describe('RunOptions.onProgress', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is called every progressInterval ms with items, bytes, rate, elapsed time, source state and per-stage counts, then once at settle', async () => {
    const snapshots: ProgressSnapshot[] = [];
    const first = deferred<void>();
    const second = deferred<void>();
    const more = deferred<void>();
    const end = deferred<void>();
    const running = from(async function* lines() {
      yield 'ab';
      first.resolve();
      await more.promise;
      yield 'cde';
      second.resolve();
      await end.promise;
    })
      .pipe(upper)
      .run({ onProgress: (s) => snapshots.push(s), progressInterval: 100 });
    await vi.advanceTimersByTimeAsync(50);
    await first.promise;
    await vi.advanceTimersByTimeAsync(50);
    expect(snapshots).toEqual([
      {
        items: 1,
        bytes: 2,
        ratePerSec: 10,
        elapsedMs: 100,
        source: { name: 'lines', state: 'open', items: 1, bytes: 2, heldMs: expect.any(Number) as number },
        stages: [{ name: 'upper', fused: false, itemsIn: 1, itemsOut: 1 }],
        final: false,
      },
    ]);
    more.resolve();
    await second.promise;
    await vi.advanceTimersByTimeAsync(100);
    expect(snapshots[1]).toMatchObject({ items: 2, bytes: 5, ratePerSec: 10, elapsedMs: 200, final: false });
    await vi.advanceTimersByTimeAsync(200);
    expect(snapshots[3]).toMatchObject({ items: 2, ratePerSec: 0, elapsedMs: 400 });
    end.resolve();
    const report = await running;
    expect(snapshots.at(-1)).toMatchObject({
      final: true,
      outcome: 'completed',
      items: report.items,
      bytes: 5,
      source: { state: 'closed', items: 2 },
    });
    expect(snapshots).toHaveLength(5);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives a final snapshot with the source closed for a synchronous source, and clears its timer', async () => {
    const snapshots: ProgressSnapshot[] = [];
    const items = await from(['a', 'bb', 'ccc'], { batchSize: 2 })
      .pipe(upper)
      .toArray({ onProgress: (s) => snapshots.push(s) });
    expect(items).toEqual(['A', 'BB', 'CCC']);
    expect(snapshots).toEqual([
      expect.objectContaining({
        final: true,
        outcome: 'completed',
        items: 3,
        bytes: 6,
        source: expect.objectContaining({ state: 'closed', items: 3 }),
      }),
    ]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('counts no bytes for items that hold none (objects)', async () => {
    const snapshots: ProgressSnapshot[] = [];
    await from([{ id: 1 }, { id: 2 }]).run({ onProgress: (s) => snapshots.push(s) });
    expect(snapshots[0]).toMatchObject({ items: 2, bytes: 0, stages: [] });
  });

  it('counts the byteLength of Buffers', async () => {
    const snapshots: ProgressSnapshot[] = [];
    await from([Buffer.alloc(10), Buffer.alloc(5)]).run({ onProgress: (s) => snapshots.push(s) });
    expect(snapshots[0]).toMatchObject({ items: 2, bytes: 15 });
  });

  it('says the source is pending before the first pull reaches it', async () => {
    const snapshots: ProgressSnapshot[] = [];
    const gate = deferred<void>();
    const running = from([1])
      .pipe(async function* waitFirst(source) {
        await gate.promise;
        yield* source;
      })
      .run({ onProgress: (s) => snapshots.push(s), progressInterval: 10 });
    await vi.advanceTimersByTimeAsync(10);
    expect(snapshots[0]!.source).toEqual({ name: 'array', state: 'pending', items: 0, bytes: 0, heldMs: 0 });
    gate.resolve();
    await running;
  });

  it('fails the run with the error onProgress threw, closes the source, and calls it no more', async () => {
    const boom = new Error('progress bar broke');
    let closed = false;
    let calls = 0;
    const running = from(async function* rows({ signal }: { signal: AbortSignal }) {
      try {
        yield 1;
        await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
      } finally {
        closed = true;
      }
    }).run({
      onProgress: () => {
        calls++;
        throw boom;
      },
      progressInterval: 10,
    });
    const failed = expect(running).rejects.toBe(boom);
    await vi.advanceTimersByTimeAsync(10);
    await failed;
    expect(closed).toBe(true);
    expect(calls).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reports an error thrown by the final call like one from onReport, without failing the run', async () => {
    const boom = new Error('final render failed');
    const seen: [unknown, string][] = [];
    const report = await from([1, 2]).run({
      onProgress: (s) => {
        if (s.final) throw boom;
      },
      onCleanupError: (error, where) => seen.push([error, where]),
    });
    expect(report.outcome).toBe('completed');
    expect(seen).toEqual([[boom, 'onProgress']]);
  });

  it('rejects bad options at call time with coded errors', () => {
    const p = from([1]);
    expect(() => p.run({ onProgress: 'bar' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_ARGUMENT', name: 'TypeError' }),
    );
    expect(() => p.run({ progressInterval: 100 })).toThrow(
      expect.objectContaining({
        code: 'ERR_SLUICE_INVALID_OPTION',
        message: expect.stringContaining('run(options).progressInterval needs run(options).onProgress'),
      }),
    );
    for (const bad of [0, 1.5, -1, Infinity]) {
      expect(() => p.toArray({ onProgress: () => {}, progressInterval: bad })).toThrow(
        expect.objectContaining({ code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE', name: 'RangeError' }),
      );
    }
    expect(() => p.run({ onProgress: () => {}, progressInterval: '100' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }),
    );
  });
});
