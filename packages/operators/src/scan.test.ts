import { describe, expect, it } from 'vitest';
import { from } from '@sluice/core';
import { conformance, trackedSource } from '@sluice/core/testing';
import { scan } from './scan.js';

describe('scan', () => {
  for (const c of conformance('scan', () => scan((sum, n: number) => sum + n, 0), { input: [1, 2, 3] }))
    it(c.name, c.run);
  for (const c of conformance('scan (async fn)', () => scan(async (sum, n: number) => sum + n, 0), {
    input: [1, 2, 3],
  })) {
    it(c.name, c.run);
  }

  it('carries the accumulator across batches and passes the input position as index', async () => {
    const out = await from(['a', 'b', 'c', 'd'], { batchSize: 3 })
      .pipe(scan((acc, s: string, { index }) => `${acc}${index}${s}`, '>'))
      .toArray();
    expect(out).toEqual(['>0a', '>0a1b', '>0a1b2c', '>0a1b2c3d']);
  });

  it('awaits a promise accumulator before folding the next item, keeping order', async () => {
    const out = await from([1, 2, 3, 4])
      .pipe(scan((acc: number[], n: number) => (n % 2 === 0 ? Promise.resolve([...acc, n]) : [...acc, -n]), []))
      .toArray();
    expect(out).toEqual([[-1], [-1, 2], [-1, 2, -3], [-1, 2, -3, 4]]);
  });

  it('emits nothing for an empty input (not even the seed)', async () => {
    expect(
      await from<number>([])
        .pipe(scan((sum, n: number) => sum + n, 100))
        .toArray(),
    ).toEqual([]);
  });

  it('starts again from the seed in every run of the same pipeline', async () => {
    const pipeline = from([1, 1]).pipe(scan((sum, n: number) => sum + n, 10));
    expect(await pipeline.toArray()).toEqual([11, 12]);
    expect(await pipeline.toArray()).toEqual([11, 12]);
  });

  it('fails the run with the error fn throws, unchanged, and closes the source once', async () => {
    // One item per pull (batchSize: 1): the source reads nothing ahead, so `produced` shows where the stage stopped.
    const error = new Error('overflow');
    const source = trackedSource([1, 2, 3]);
    await expect(
      from(source, { batchSize: 1 })
        .pipe(
          scan((sum, n: number) => {
            if (sum + n > 2) throw error;
            return sum + n;
          }, 0),
        )
        .toArray(),
    ).rejects.toBe(error);
    expect(source.stats.closes).toBe(1);
    expect(source.stats.produced).toBe(2);
  });

  it('rejects a non-function when called, with a coded TypeError', () => {
    expect(() => scan('sum' as never, 0)).toThrow(TypeError);
    expect(() => scan('sum' as never, 0)).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_ARGUMENT' }));
  });
});
