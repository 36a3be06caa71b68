import { describe, expect, it } from 'vitest';
import { from } from '@sluice/core';
import { conformance, deferred, flushMacrotask, trackedSource, type Deferred } from '@sluice/core/testing';
import { filter } from './filter.js';

describe('filter', () => {
  for (const c of conformance('filter', () => filter((n: number) => n % 2 === 1), {
    input: [1, 2, 3, 4, 5],
    maxPulledForFirst: 1,
  })) {
    it(c.name, c.run);
  }
  // The first kept item is the second one: two pulls before the first output.
  for (const c of conformance('filter (async predicate)', () => filter(async (n: number) => n % 2 === 0), {
    input: [1, 2, 3, 4],
    maxPulledForFirst: 2,
  })) {
    it(c.name, c.run);
  }

  it('passes the 0-based input position as index, counting rejected items too', async () => {
    const out = await from(['a', 'b', 'c', 'd', 'e'], { batchSize: 2 })
      .pipe(filter((_s, { index }) => index % 2 === 0))
      .toArray();
    expect(out).toEqual(['a', 'c', 'e']);
  });

  it('awaits a returned promise before testing the next item', async () => {
    const gates: Deferred<boolean>[] = [deferred(), deferred(), deferred()];
    const called: Deferred<void>[] = [deferred(), deferred(), deferred()];
    let calls = 0;
    const running = from([0, 1, 2])
      .pipe(
        filter((n) => {
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
      gates[n]!.resolve(n !== 1);
    }
    expect(await running).toEqual([0, 2]);
  });

  it('keeps order when promise and plain answers are mixed in one batch', async () => {
    const out = await from([1, 2, 3, 4, 5, 6])
      .pipe(filter((n) => (n % 2 === 0 ? Promise.resolve(n > 2) : n < 4)))
      .toArray();
    expect(out).toEqual([1, 3, 4, 6]);
  });

  it('fails the run with the error the predicate throws, unchanged, and closes the source once', async () => {
    // One item per pull (batchSize: 1): the source reads nothing ahead, so `produced` shows where the stage stopped.
    const error = new Error('bad predicate');
    const source = trackedSource([1, 2, 3, 4]);
    await expect(
      from(source, { batchSize: 1 })
        .pipe(
          filter((n) => {
            if (n === 3) throw error;
            return true;
          }),
        )
        .toArray(),
    ).rejects.toBe(error);
    expect(source.stats.closes).toBe(1);
    expect(source.stats.produced).toBe(3);
  });

  it('fails the run with the rejection of a returned promise, unchanged', async () => {
    const error = new Error('async bad predicate');
    const source = trackedSource([1, 2, 3]);
    await expect(
      from(source)
        .pipe(
          filter(async (n) => {
            if (n === 2) throw error;
            return true;
          }),
        )
        .toArray(),
    ).rejects.toBe(error);
    expect(source.stats.closes).toBe(1);
  });

  it('narrows the item type with a type-guard predicate', async () => {
    const out = await from<string | number>(['a', 1, 'b', 2])
      .pipe(filter((x): x is string => typeof x === 'string'))
      .toArray();
    expect(out.map((s) => s.toUpperCase())).toEqual(['A', 'B']);
  });

  it('closes the source when the consumer breaks early', async () => {
    const source = trackedSource([1, 2, 3, 4, 5, 6]);
    for await (const n of from(source).pipe(filter((x) => x > 2))) {
      expect(n).toBe(3);
      break;
    }
    expect(source.stats.closes).toBe(1);
    expect(source.stats.produced).toBe(3);
  });

  it('rejects a non-function when called, with a coded TypeError', () => {
    expect(() => filter('yes' as never)).toThrow(TypeError);
    expect(() => filter('yes' as never)).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_ARGUMENT' }));
  });
});
