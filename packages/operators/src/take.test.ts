import { describe, expect, it } from 'vitest';
import { from, type RunReport } from '@sluice/core';
import { conformance, trackedSource } from '@sluice/core/testing';
import { countingSource, naturals } from './test-support/sync-sources.js';
import { map } from './map.js';
import { scan } from './scan.js';
import { take } from './take.js';
import { tap } from './tap.js';

describe('take', () => {
  for (const c of conformance('take(2)', () => take<number>(2), { input: [1, 2, 3, 4] })) it(c.name, c.run);
  for (const c of conformance('take(Infinity)', () => take<number>(Infinity), { input: [1, 2, 3] })) it(c.name, c.run);

  it('pulls exactly n items from a sync generator and closes it', async () => {
    const source = countingSource(naturals());
    expect(await from(source).pipe(take(3)).toArray()).toEqual([0, 1, 2]);
    expect(source.pulled).toBe(3);
    expect(source.closes).toBe(1);
  });

  it('pulls exactly n items through fused one-to-one operators in front of it', async () => {
    const source = countingSource(naturals());
    const out = await from(source)
      .pipe(
        map((n) => n * 2),
        tap(() => undefined),
        scan((sum, n: number) => sum + n, 0),
        take(3),
      )
      .toArray();
    expect(out).toEqual([0, 2, 6]);
    expect(source.pulled).toBe(3);
    expect(source.closes).toBe(1);
  });

  it('cuts an array source to n items', async () => {
    let report: RunReport | undefined;
    const out = await from(Array.from(naturals(10_000)))
      .pipe(take(5))
      .toArray({ onReport: (r) => (report = r) });
    expect(out).toEqual([0, 1, 2, 3, 4]);
    expect(report?.source.items).toBe(5);
    expect(report?.outcome).toBe('completed');
  });

  it('asks an async source for n items, without a pull to look for its end', async () => {
    const source = trackedSource([1, 2, 3, 4, 5]);
    expect(await from(source).pipe(take(2)).toArray()).toEqual([1, 2]);
    expect(source.stats.nexts).toBe(2);
    expect(source.stats.returns).toBe(1);
    expect(source.stats.closes).toBe(1);
  });

  it('releases the source when the n-th item arrives, while the consumer still holds the items', async () => {
    const source = trackedSource([1, 2, 3, 4, 5, 6]);
    const held: number[] = [];
    const openWhileHolding: boolean[] = [];
    let report: RunReport | undefined;
    for await (const n of from(source)
      .pipe(take(3))
      .iterate({ onReport: (r) => (report = r) })) {
      held.push(n);
      openWhileHolding.push(source.open);
    }
    expect(held).toEqual([1, 2, 3]);
    expect(openWhileHolding).toEqual([true, true, false]);
    expect(source.stats.produced).toBe(3);
    expect(source.stats.closes).toBe(1);
    expect(report?.source.closedAtMs).not.toBeNull();
  });

  it('take(0) never opens the source', async () => {
    const tracked = trackedSource([1, 2, 3]);
    const counted = countingSource(naturals());
    let report: RunReport | undefined;
    expect(
      await from(tracked)
        .pipe(take(0))
        .toArray({ onReport: (r) => (report = r) }),
    ).toEqual([]);
    expect(
      await from(counted)
        .pipe(
          map((n) => n),
          take(0),
        )
        .toArray(),
    ).toEqual([]);
    expect(tracked.stats.opens).toBe(0);
    expect(counted.pulled).toBe(0);
    expect(report?.outcome).toBe('completed');
    expect(report?.source.openedAtMs).toBeNull();
  });

  it('passes everything on when n exceeds the input', async () => {
    const source = trackedSource([1, 2, 3]);
    expect(await from(source).pipe(take(10)).toArray()).toEqual([1, 2, 3]);
    expect(source.stats.closes).toBe(1);
  });

  it('hands fused operators after it each of the n items once', async () => {
    const mapped: number[] = [];
    const out = await from(naturals(), { batchSize: 4 })
      .pipe(
        take(6),
        map((n) => {
          mapped.push(n);
          return n * 10;
        }),
        scan((sum, n: number) => sum + n, 0),
      )
      .toArray();
    expect(out).toEqual([0, 10, 30, 60, 100, 150]);
    expect(mapped).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('feeds a following opaque stage and stops it', async () => {
    const out = await from(naturals())
      .pipe(take(3), async function* label(source: AsyncIterable<number>) {
        for await (const n of source) yield `#${n}`;
      })
      .toArray();
    expect(out).toEqual(['#0', '#1', '#2']);
  });

  it('counts afresh in every run of the same pipeline', async () => {
    const pipeline = from([1, 2, 3, 4]).pipe(take(2));
    expect(await pipeline.toArray()).toEqual([1, 2]);
    expect(await pipeline.toArray()).toEqual([1, 2]);
  });

  it('works item by item outside sluice and closes its input once', async () => {
    const source = trackedSource([1, 2, 3, 4]);
    const got: number[] = [];
    for await (const n of take<number>(2)(source, { signal: new AbortController().signal })) got.push(n);
    expect(got).toEqual([1, 2]);
    expect(source.stats.closes).toBe(1);
    const untouched = trackedSource([1]);
    for await (const n of take<number>(0)(untouched, { signal: new AbortController().signal })) got.push(n);
    expect(untouched.stats.opens).toBe(0);
  });

  it('rejects a count that is not an integer >= 0 when called', () => {
    expect(() => take(-1)).toThrow(RangeError);
    expect(() => take(-1)).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE' }));
    expect(() => take(1.5)).toThrow(RangeError);
    expect(() => take('3' as never)).toThrow(TypeError);
    expect(() => take('3' as never)).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }));
    expect(() => take(Number.NaN)).toThrow(/take\(n\) must be a number/);
  });
});
