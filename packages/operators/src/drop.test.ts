import { describe, expect, it } from 'vitest';
import { from } from '@sluice/core';
import { conformance, trackedSource } from '@sluice/core/testing';
import { drop } from './drop.js';
import { take } from './take.js';

describe('drop', () => {
  for (const c of conformance('drop(2)', () => drop<number>(2), { input: [1, 2, 3, 4], maxPulledForFirst: 3 })) {
    it(c.name, c.run);
  }
  for (const c of conformance('drop(0)', () => drop<number>(0), { input: [1, 2, 3] })) it(c.name, c.run);

  it('skips across batch boundaries', async () => {
    expect(await from([1, 2, 3, 4, 5, 6, 7], { batchSize: 2 }).pipe(drop(3)).toArray()).toEqual([4, 5, 6, 7]);
    expect(await from([1, 2, 3, 4], { batchSize: 2 }).pipe(drop(2)).toArray()).toEqual([3, 4]);
  });

  it('produces nothing when n reaches the input length, and still reads it to its end', async () => {
    const source = trackedSource([1, 2, 3]);
    expect(await from(source).pipe(drop(3)).toArray()).toEqual([]);
    expect(await from([1, 2]).pipe(drop(Infinity)).toArray()).toEqual([]);
    expect(source.stats.produced).toBe(3);
    expect(source.stats.closes).toBe(1);
  });

  it('pulls n + 1 items for its first output', async () => {
    const source = trackedSource([1, 2, 3, 4, 5, 6]);
    for await (const n of from(source).pipe(drop(2))) {
      expect(n).toBe(3);
      expect(source.stats.produced).toBe(3);
      break;
    }
    expect(source.stats.closes).toBe(1);
  });

  it('composes with take to cut a window', async () => {
    expect(await from([0, 1, 2, 3, 4, 5, 6]).pipe(drop(2), take(3)).toArray()).toEqual([2, 3, 4]);
  });

  it('counts afresh in every run of the same pipeline', async () => {
    const pipeline = from([1, 2, 3]).pipe(drop(1));
    expect(await pipeline.toArray()).toEqual([2, 3]);
    expect(await pipeline.toArray()).toEqual([2, 3]);
  });

  it('rejects a count that is not an integer >= 0 when called', () => {
    expect(() => drop(-1)).toThrow(RangeError);
    expect(() => drop(-1)).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE' }));
    expect(() => drop(0.5)).toThrow(RangeError);
    expect(() => drop(null as never)).toThrow(TypeError);
  });
});
