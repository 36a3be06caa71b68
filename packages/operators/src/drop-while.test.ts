import { describe, expect, it } from 'vitest';
import { from } from '@sluice/core';
import { conformance, trackedSource } from '@sluice/core/testing';
import { dropWhile } from './drop-while.js';

describe('dropWhile', () => {
  for (const c of conformance('dropWhile', () => dropWhile((n: number) => n < 3), {
    input: [1, 2, 3, 4],
    maxPulledForFirst: 3,
  })) {
    it(c.name, c.run);
  }
  for (const c of conformance('dropWhile (async)', () => dropWhile(async (n: number) => n < 2), {
    input: [1, 2, 3],
    maxPulledForFirst: 2,
  })) {
    it(c.name, c.run);
  }

  it('does not call the predicate again once it failed', async () => {
    const tested: number[] = [];
    const out = await from([1, 2, 5, 1, 0], { batchSize: 2 })
      .pipe(
        dropWhile((n) => {
          tested.push(n);
          return n < 3;
        }),
      )
      .toArray();
    expect(out).toEqual([5, 1, 0]);
    expect(tested).toEqual([1, 2, 5]);
  });

  it('passes the 0-based input position as index', async () => {
    const indexes: number[] = [];
    const out = await from(['a', 'b', 'c', 'd'], { batchSize: 1 })
      .pipe(
        dropWhile((_s, { index }) => {
          indexes.push(index);
          return index < 2;
        }),
      )
      .toArray();
    expect(out).toEqual(['c', 'd']);
    expect(indexes).toEqual([0, 1, 2]);
  });

  it('awaits promise answers, across a batch', async () => {
    const tested: number[] = [];
    const out = await from([1, 2, 3, 4, 5])
      .pipe(
        dropWhile((n) => {
          tested.push(n);
          return n === 1 ? true : Promise.resolve(n < 4);
        }),
      )
      .toArray();
    expect(out).toEqual([4, 5]);
    expect(tested).toEqual([1, 2, 3, 4]);
  });

  it('keeps dropping across batches while promise answers hold', async () => {
    const out = await from([1, 2, 3, 4, 5], { batchSize: 2 })
      .pipe(dropWhile(async (n) => n < 4))
      .toArray();
    expect(out).toEqual([4, 5]);
  });

  it('drops everything when the predicate always holds, reading the source to its end', async () => {
    const source = trackedSource([1, 2, 3]);
    expect(
      await from(source)
        .pipe(dropWhile(() => true))
        .toArray(),
    ).toEqual([]);
    expect(source.stats.produced).toBe(3);
    expect(source.stats.closes).toBe(1);
  });

  it('fails the run with the error the predicate throws, unchanged, and closes the source once', async () => {
    const error = new Error('bad predicate');
    const source = trackedSource([1, 2, 3]);
    await expect(
      from(source)
        .pipe(
          dropWhile(async (n) => {
            if (n === 2) throw error;
            return true;
          }),
        )
        .toArray(),
    ).rejects.toBe(error);
    expect(source.stats.closes).toBe(1);
  });

  it('starts dropping again in every run of the same pipeline', async () => {
    const pipeline = from([1, 5, 1]).pipe(dropWhile((n) => n < 3));
    expect(await pipeline.toArray()).toEqual([5, 1]);
    expect(await pipeline.toArray()).toEqual([5, 1]);
  });

  it('rejects a non-function when called, with a coded TypeError', () => {
    expect(() => dropWhile({} as never)).toThrow(TypeError);
    expect(() => dropWhile({} as never)).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_ARGUMENT' }));
  });
});
