import { describe, expect, it } from 'vitest';
import { from, type RunReport } from '@sluice/core';
import { conformance, deferred, flushMacrotask, trackedSource, type Deferred } from '@sluice/core/testing';
import { map } from './map.js';

describe('map', () => {
  for (const c of conformance('map', () => map((n: number) => n * 2), { input: [1, 2, 3] })) it(c.name, c.run);
  for (const c of conformance('map (async fn)', () => map(async (n: number) => n * 2), { input: [1, 2, 3] })) {
    it(c.name, c.run);
  }

  it('passes the 0-based input position as index, across batches', async () => {
    const seen: number[] = [];
    const out = await from(['a', 'b', 'c', 'd', 'e'], { batchSize: 2 })
      .pipe(
        map((s, { index }) => {
          seen.push(index);
          return `${index}${s}`;
        }),
      )
      .toArray();
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(out).toEqual(['0a', '1b', '2c', '3d', '4e']);
  });

  for (const concurrency of [1, 3]) {
    it(`hands fn a context whose index stays its item's position until the call settles (concurrency ${concurrency})`, async () => {
      const gates = [deferred<void>(), deferred<void>(), deferred<void>(), deferred<void>()];
      const settled: [number, number][] = [];
      const running = from(['a', 'b', 'c', 'd'])
        .pipe(
          map(
            async (s, ctx) => {
              const before = ctx.index;
              await gates[before]!.promise;
              settled.push([before, ctx.index]);
              return s;
            },
            { concurrency },
          ),
        )
        .toArray();
      for (const gate of gates) {
        await flushMacrotask();
        gate.resolve();
      }
      expect(await running).toEqual(['a', 'b', 'c', 'd']);
      expect(settled).toEqual([
        [0, 0],
        [1, 1],
        [2, 2],
        [3, 3],
      ]);
    });
  }

  it('awaits a returned promise before mapping the next item', async () => {
    const gates: Deferred<number>[] = [deferred(), deferred(), deferred()];
    const called: Deferred<void>[] = [deferred(), deferred(), deferred()];
    let calls = 0;
    const running = from([0, 1, 2])
      .pipe(
        map((n) => {
          calls++;
          called[n]!.resolve();
          return gates[n]!.promise;
        }),
      )
      .toArray();
    for (let n = 0; n < 3; n++) {
      await called[n]!.promise;
      await flushMacrotask();
      expect(calls).toBe(n + 1);
      gates[n]!.resolve(n * 100);
    }
    expect(await running).toEqual([0, 100, 200]);
  });

  it('keeps order when promises and plain values are mixed in one batch', async () => {
    const out = await from([1, 2, 3, 4, 5, 6])
      .pipe(map((n) => (n % 2 === 0 ? Promise.resolve(-n) : n)))
      .toArray();
    expect(out).toEqual([1, -2, 3, -4, 5, -6]);
  });

  it('fails the run with the error fn throws, unchanged, and closes the source once', async () => {
    // One item per pull (batchSize: 1): the source reads nothing ahead, so `produced` shows where the stage stopped.
    const error = new Error('bad row');
    const source = trackedSource([1, 2, 3, 4]);
    let report: RunReport | undefined;
    const running = from(source, { batchSize: 1 })
      .pipe(
        map((n) => {
          if (n === 2) throw error;
          return n;
        }),
      )
      .run({ onReport: (r) => (report = r) });
    await expect(running).rejects.toBe(error);
    expect(source.stats.closes).toBe(1);
    expect(source.stats.produced).toBe(2);
    expect(report?.outcome).toBe('failed');
  });

  it('fails the run with the rejection of a returned promise, unchanged', async () => {
    const error = new Error('async bad row');
    const source = trackedSource([1, 2, 3, 4]);
    await expect(
      from(source)
        .pipe(
          map(async (n) => {
            if (n === 3) throw error;
            return n;
          }),
        )
        .toArray(),
    ).rejects.toBe(error);
    expect(source.stats.closes).toBe(1);
  });

  it('hands fn the run signal, which aborts with the caller reason', async () => {
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    const started = deferred<AbortSignal>();
    const running = from([1, 2])
      .pipe(
        map((_n, { signal }) => {
          started.resolve(signal);
          return new Promise<number>((_, reject) =>
            signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
          );
        }),
      )
      .toArray({ signal: controller.signal });
    const signal = await started.promise;
    expect(signal.aborted).toBe(false);
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
  });

  it('closes the source when the consumer breaks early', async () => {
    const source = trackedSource([1, 2, 3, 4, 5]);
    const got: number[] = [];
    for await (const n of from(source).pipe(map((x) => x + 1))) {
      got.push(n);
      if (got.length === 2) break;
    }
    expect(got).toEqual([2, 3]);
    expect(source.stats.closes).toBe(1);
  });

  it('starts each run afresh: the index restarts at 0', async () => {
    const pipeline = from(['x', 'y']).pipe(map((s, { index }) => `${s}${index}`));
    expect(await pipeline.toArray()).toEqual(['x0', 'y1']);
    expect(await pipeline.toArray()).toEqual(['x0', 'y1']);
  });

  it('rejects a non-function when called, with a coded TypeError', () => {
    expect(() => map(3 as never)).toThrow(TypeError);
    expect(() => map(3 as never)).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_ARGUMENT' }));
    expect(() => map(undefined as never)).toThrow(/map\(fn\) must be a function, got undefined/);
  });
});

describe('map with { concurrency }', () => {
  for (const c of conformance('map(fn, { concurrency: 3 })', () => map((n: number) => n * 2, { concurrency: 3 }), {
    input: [1, 2, 3, 4],
    maxPulledForFirst: 7,
  })) {
    it(c.name, c.run);
  }

  it('runs up to `concurrency` calls at once and keeps the input order', async () => {
    const gates = [deferred<void>(), deferred<void>(), deferred<void>()];
    let inFlight = 0;
    let most = 0;
    const running = from([0, 1, 2])
      .pipe(
        map(
          async (n: number) => {
            inFlight++;
            most = Math.max(most, inFlight);
            await gates[n]!.promise;
            inFlight--;
            return n * 10;
          },
          { concurrency: 3 },
        ),
      )
      .toArray();
    await flushMacrotask();
    expect(inFlight).toBe(3);
    gates[2]!.resolve();
    gates[0]!.resolve();
    gates[1]!.resolve();
    expect(await running).toEqual([0, 10, 20]);
    expect(most).toBe(3);
  });

  it('stays the fused synchronous map with concurrency 1 and rejects bad options', async () => {
    const report = await from([1, 2])
      .pipe(map((n: number) => n + 1, { concurrency: 1 }))
      .run();
    expect(report.stages[0]).toMatchObject({ fused: true });
    expect(() => map((n: number) => n, { concurrency: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE' }),
    );
    expect(() => map((n: number) => n, { concurency: 2 } as never)).toThrow(/unknown option "concurency"/);
  });
});
