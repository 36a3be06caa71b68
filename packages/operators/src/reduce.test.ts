import { describe, expect, it } from 'vitest';
import { from, type RunReport } from '@sluice/core';
import { deferred, flushMacrotask, trackedSource } from '@sluice/core/testing';
import { map } from './map.js';
import { reduce } from './reduce.js';

describe('reduce', () => {
  it('resolves to the seed for an empty input', async () => {
    const seed = { total: 0 };
    expect(await from<number>([]).to(reduce((acc, n: number) => ({ total: acc.total + n }), seed))).toBe(seed);
  });

  it('folds in order across batches and passes the input position as index', async () => {
    const out = await from(['a', 'b', 'c', 'd', 'e'], { batchSize: 2 }).to(
      reduce((acc: string[], s: string, { index }) => [...acc, `${index}${s}`], []),
    );
    expect(out).toEqual(['0a', '1b', '2c', '3d', '4e']);
  });

  it('awaits a promise accumulator before folding the next item', async () => {
    const gate = deferred<number>();
    const folded: number[] = [];
    const running = from([1, 2, 3]).to(
      reduce((acc, n: number) => {
        folded.push(n);
        return n === 1 ? gate.promise : acc + n;
      }, 0),
    );
    await flushMacrotask();
    expect(folded).toEqual([1]);
    gate.resolve(100);
    expect(await running).toBe(105);
    expect(folded).toEqual([1, 2, 3]);
  });

  it('consumes whole batches inside sluice', async () => {
    let report: RunReport | undefined;
    const total = await from(
      Array.from({ length: 5000 }, (_, i) => i),
      { batchSize: 1000 },
    )
      .pipe(map((n) => n * 2))
      .to(
        reduce((sum, n: number) => sum + n, 0),
        { onReport: (r) => (report = r) },
      );
    expect(total).toBe(2 * ((4999 * 5000) / 2));
    expect(report?.outcome).toBe('completed');
    expect(report?.source.items).toBe(5000);
  });

  it('fails the run with the error fn throws, unchanged, and closes the source once', async () => {
    // One item per pull (batchSize: 1): the source reads nothing ahead, so `produced` shows where the stage stopped.
    const error = new Error('bad total');
    const source = trackedSource([1, 2, 3, 4]);
    let report: RunReport | undefined;
    await expect(
      from(source, { batchSize: 1 }).to(
        reduce((acc, n: number) => {
          if (n === 2) throw error;
          return acc + n;
        }, 0),
        { onReport: (r) => (report = r) },
      ),
    ).rejects.toBe(error);
    expect(source.stats.closes).toBe(1);
    expect(source.stats.produced).toBe(2);
    expect(report?.outcome).toBe('failed');
  });

  it('fails the run with the rejection of a returned promise, unchanged', async () => {
    const error = new Error('async bad total');
    const source = trackedSource([1, 2, 3]);
    await expect(
      from(source).to(
        reduce(async (acc, n: number) => {
          if (n === 3) throw error;
          return acc + n;
        }, 0),
      ),
    ).rejects.toBe(error);
    expect(source.stats.closes).toBe(1);
  });

  it('settles with the caller reason when aborted while fn awaits', async () => {
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    const waiting = deferred<AbortSignal>();
    const source = trackedSource([1, 2, 3]);
    const running = from(source).to(
      reduce((_acc, _n: number, { signal }) => {
        waiting.resolve(signal);
        return new Promise<number>(() => undefined);
      }, 0),
      { signal: controller.signal },
    );
    const signal = await waiting.promise;
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    expect(signal.aborted).toBe(true);
    expect(source.stats.closes).toBe(1);
  });

  it('works as a plain sink outside sluice', async () => {
    const source = trackedSource([1, 2, 3]);
    expect(await reduce((acc, n: number) => acc * n, 1)(source, { signal: new AbortController().signal })).toBe(6);
    expect(source.stats.closes).toBe(1);
  });

  it('rejects a non-function when called, with a coded TypeError', () => {
    expect(() => reduce(0 as never, 0)).toThrow(TypeError);
    expect(() => reduce(0 as never, 0)).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_ARGUMENT' }));
  });
});
