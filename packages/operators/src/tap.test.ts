import { describe, expect, it } from 'vitest';
import { from } from '@sluice/core';
import { conformance, deferred, flushMacrotask, trackedSource } from '@sluice/core/testing';
import { countingSource, naturals } from './test-support/sync-sources.js';
import { take } from './take.js';
import { tap } from './tap.js';

describe('tap', () => {
  for (const c of conformance('tap', () => tap<number>(() => undefined), { input: [1, 2, 3] })) it(c.name, c.run);
  for (const c of conformance('tap (async fn)', () => tap<number>(async () => undefined), { input: [1, 2, 3] })) {
    it(c.name, c.run);
  }

  it('ignores what fn returns, unless it is a promise', async () => {
    expect(
      await from([1, 2])
        .pipe(tap(() => 'ignored'))
        .toArray(),
    ).toEqual([1, 2]);
    expect(
      await from([1, 2])
        .pipe(tap(async () => 'ignored too'))
        .toArray(),
    ).toEqual([1, 2]);
  });

  it('passes the 0-based input position as index, across batches', async () => {
    const seen: number[] = [];
    await from([5, 6, 7, 8, 9], { batchSize: 2 })
      .pipe(
        tap((_n, { index }) => {
          seen.push(index);
        }),
      )
      .run();
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });

  it('holds the item back until the promise fn returned settles', async () => {
    const gate = deferred();
    const passed: number[] = [];
    const running = from([1, 2])
      .pipe(
        tap((n) => (n === 1 ? gate.promise : undefined)),
        tap((n) => {
          passed.push(n);
        }),
      )
      .toArray();
    await flushMacrotask();
    expect(passed).toEqual([]);
    gate.resolve();
    expect(await running).toEqual([1, 2]);
    expect(passed).toEqual([1, 2]);
  });

  it('fails the run with the error fn throws, unchanged, without passing that item on', async () => {
    const error = new Error('side effect failed');
    const source = trackedSource([1, 2, 3]);
    const passed: number[] = [];
    await expect(
      from(source)
        .pipe(
          tap((n) => {
            if (n === 2) throw error;
          }),
          tap((n) => {
            passed.push(n);
          }),
        )
        .run(),
    ).rejects.toBe(error);
    expect(passed).toEqual([1]);
    expect(source.stats.closes).toBe(1);
  });

  it('fails the run with the rejection of a returned promise, unchanged', async () => {
    const error = new Error('async side effect failed');
    const source = trackedSource([1, 2, 3]);
    await expect(
      from(source)
        .pipe(
          tap(async (n) => {
            if (n === 3) throw error;
          }),
        )
        .run(),
    ).rejects.toBe(error);
    expect(source.stats.closes).toBe(1);
  });

  it('lets a downstream take bound the pulls, since it is one-to-one', async () => {
    const source = countingSource(naturals());
    const seen: number[] = [];
    await from(source)
      .pipe(
        tap((n) => {
          seen.push(n);
        }),
        take(4),
      )
      .run();
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(source.pulled).toBe(4);
  });

  it('rejects a non-function when called, with a coded TypeError', () => {
    expect(() => tap(null as never)).toThrow(TypeError);
    expect(() => tap(null as never)).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_ARGUMENT' }));
  });
});
