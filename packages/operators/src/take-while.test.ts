import { describe, expect, it } from 'vitest';
import { from, type RunReport } from '@sluice/core';
import { conformance, trackedSource } from '@sluice/core/testing';
import { countingSource, naturals } from './test-support/sync-sources.js';
import { map } from './map.js';
import { takeWhile } from './take-while.js';

describe('takeWhile', () => {
  for (const c of conformance('takeWhile', () => takeWhile((n: number) => n < 3), { input: [1, 2, 3, 4] })) {
    it(c.name, c.run);
  }
  for (const c of conformance('takeWhile (async)', () => takeWhile(async (n: number) => n < 3), {
    input: [1, 2, 3, 4],
  })) {
    it(c.name, c.run);
  }

  it('stops pulling at the first failing item and releases upstream at once', async () => {
    const source = trackedSource([1, 2, 9, 3, 4]);
    const held: number[] = [];
    let report: RunReport | undefined;
    for await (const n of from(source)
      .pipe(takeWhile((x) => x < 5))
      .iterate({ onReport: (r) => (report = r) })) {
      held.push(n);
    }
    expect(held).toEqual([1, 2]);
    expect(source.stats.produced).toBe(3);
    expect(source.stats.closes).toBe(1);
    expect(report?.outcome).toBe('completed');
  });

  it('stops a sync generator after the batch that held the failing item, and closes it', async () => {
    const source = countingSource(naturals());
    const out = await from(source, { batchSize: 5 })
      .pipe(
        map((n) => n * 10),
        takeWhile((n) => n < 30),
      )
      .toArray();
    expect(out).toEqual([0, 10, 20]);
    expect(source.pulled).toBe(5);
    expect(source.closes).toBe(1);
  });

  it('hands fused operators after it each passing item once', async () => {
    const out = await from([1, 2, 3, 9, 4])
      .pipe(
        takeWhile((n) => n < 5),
        map((n) => n * 10),
      )
      .toArray();
    expect(out).toEqual([10, 20, 30]);
  });

  it('passes the 0-based input position as index', async () => {
    const out = await from(['a', 'b', 'c', 'd'], { batchSize: 3 })
      .pipe(takeWhile((_s, { index }) => index < 3))
      .toArray();
    expect(out).toEqual(['a', 'b', 'c']);
  });

  it('awaits a promise answer and stops on a promise of false', async () => {
    // One item per pull (batchSize: 1): the source reads nothing ahead, so `produced` shows where the stage stopped.
    const source = trackedSource([1, 2, 3, 4]);
    expect(
      await from(source, { batchSize: 1 })
        .pipe(takeWhile(async (n) => n !== 3))
        .toArray(),
    ).toEqual([1, 2]);
    expect(source.stats.produced).toBe(3);
    expect(source.stats.closes).toBe(1);
  });

  it('keeps order when promise and plain answers are mixed in one batch', async () => {
    const out = await from([1, 2, 3, 4, 5, 6])
      .pipe(takeWhile((n) => (n % 2 === 0 ? Promise.resolve(n < 6) : true)))
      .toArray();
    expect(out).toEqual([1, 2, 3, 4, 5]);
  });

  it('narrows the item type with a type-guard predicate', async () => {
    const out = await from<number | string>([1, 2, 'stop', 3])
      .pipe(takeWhile((x): x is number => typeof x === 'number'))
      .toArray();
    expect(out.map((n) => n.toFixed(0))).toEqual(['1', '2']);
  });

  it('fails the run with the error the predicate throws, unchanged, and closes the source once', async () => {
    const error = new Error('bad predicate');
    const source = trackedSource([1, 2, 3]);
    await expect(
      from(source)
        .pipe(
          takeWhile((n) => {
            if (n === 2) throw error;
            return true;
          }),
        )
        .toArray(),
    ).rejects.toBe(error);
    expect(source.stats.closes).toBe(1);
  });

  it('rejects a non-function when called, with a coded TypeError', () => {
    expect(() => takeWhile(1 as never)).toThrow(TypeError);
    expect(() => takeWhile(1 as never)).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_ARGUMENT' }));
  });
});
