import { from } from '@sluice/core';
import { NO_LEAKS, conformance, deferred, flushMacrotask, leakCheck, trackedSource } from '@sluice/core/testing';
import { describe, expect, it, vi } from 'vitest';
import { merge } from './merge.js';

describe('merge', () => {
  for (const c of conformance('merge()', () => merge<number>(), { input: [1, 2, 3] })) it(c.name, c.run);
  for (const c of conformance('merge([7, 8])', () => merge<number>([7, 8]), {
    input: [1, 2, 3],
    emptyOutput: [7, 8],
    skipNodePipeline: true,
  })) {
    it(c.name, c.run);
  }

  it('hands on items in the order they arrive across sources', async () => {
    const gateA = deferred();
    const gateB = deferred();
    const a = (async function* () {
      await gateA.promise;
      yield 'a1';
    })();
    const b = (async function* () {
      yield 'b1';
      await gateB.promise;
      yield 'b2';
    })();
    const got: string[] = [];
    const done = (async () => {
      for await (const x of from(a).pipe(merge(b))) got.push(x);
    })();
    await flushMacrotask();
    expect(got).toEqual(['b1']);
    gateA.resolve();
    await flushMacrotask();
    expect(got).toEqual(['b1', 'a1']);
    gateB.resolve();
    await done;
    expect(got).toEqual(['b1', 'a1', 'b2']);
  });

  it('reads at most one item ahead per source while the consumer is slow', async () => {
    const up = trackedSource([1, 2, 3, 4, 5]);
    const other = trackedSource([10, 20, 30, 40, 50]);
    const it = from(up).pipe(merge(other)).iterate();
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      seen.push((await it.next()).value as number);
      await flushMacrotask();
      const fromUp = seen.filter((n) => n < 10).length;
      const fromOther = seen.length - fromUp;
      expect(up.stats.produced - fromUp).toBeLessThanOrEqual(1);
      expect(other.stats.produced - fromOther).toBeLessThanOrEqual(1);
    }
    await it.return?.();
    expect(up.stats.closes).toBe(1);
    expect(other.stats.closes).toBe(1);
  });

  it('returns every source exactly once when the consumer breaks early', async () => {
    const up = trackedSource([1, 2, 3]);
    const b = trackedSource({ items: [10], hangAt: 1 });
    const c = trackedSource([100, 200, 300]);
    for await (const x of from(up).pipe(merge(b, c))) {
      void x;
      break;
    }
    for (const s of [up, b, c]) {
      expect(s.stats.closes).toBe(1);
      expect(s.stats.returns).toBeLessThanOrEqual(1);
    }
  });

  it('runs a sluice pipeline given as a source under the run signal, and closes it on abort', async () => {
    const controller = new AbortController();
    const leaks = leakCheck({ watch: [controller.signal] });
    const inner = trackedSource({ items: [10], hangAt: 1 });
    const up = trackedSource({ items: [1], hangAt: 1 });
    const running = from(up)
      .pipe(merge(from(inner)))
      .toArray({ signal: controller.signal });
    await inner.hanging.promise;
    await up.hanging.promise;
    const reason = new Error('abort merge');
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    inner.release();
    up.release();
    await inner.closed.promise;
    expect(inner.stats.closes).toBe(1);
    expect(up.stats.closes).toBe(1);
    expect(await leaks.finish()).toEqual(NO_LEAKS);
  });

  it('runs a pipeline built by another copy of @sluice/core as a pipeline, and an object merely shaped like one as what it is', async () => {
    vi.resetModules();
    const copy = await import('@sluice/core');
    expect(
      (
        await from([1])
          .pipe(merge(copy.from([2])))
          .toArray()
      ).sort(),
    ).toEqual([1, 2]);
    // Methods named like a Pipeline's do not make one: only the brand does.
    const lookalike = {
      iterate: () => {
        throw new Error('not a pipeline');
      },
      pipe() {},
      run() {},
      async *[Symbol.asyncIterator]() {
        yield 3;
      },
    };
    expect(
      (
        await from([1])
          .pipe(merge(lookalike as AsyncIterable<number>))
          .toArray()
      ).sort(),
    ).toEqual([1, 3]);
  });

  it('fails the run with an error from any source unchanged and returns the others', async () => {
    const error = new Error('other source broke');
    const up = trackedSource({ items: [1, 2, 3], hangAt: 1 });
    const other = trackedSource({ items: [10], throwAt: { index: 1, error } });
    const quiet = trackedSource({ items: [], hangAt: 0 });
    const running = from(up).pipe(merge(other, quiet)).toArray();
    await expect(running).rejects.toBe(error);
    up.release();
    quiet.release();
    await flushMacrotask();
    for (const s of [up, other, quiet]) expect(s.stats.closes).toBe(1);
  });

  it('validates its sources when called', () => {
    expect(() => merge(42 as never)).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_SLUICE_INVALID_ARGUMENT' }),
    );
    expect(() => merge([1], null as never)).toThrow(/source 2/);
  });
});
