import { describe, expect, it } from 'vitest';
import { from } from '@sluice/core';
import { conformance, deferred, trackedSource } from '@sluice/core/testing';
import { flatMap } from './flat-map.js';
import { countingSource, naturals } from './test-support/sync-sources.js';
import { take } from './take.js';

async function* asyncRange(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) yield i;
}

describe('flatMap', () => {
  for (const c of conformance('flatMap (arrays)', () => flatMap((n: number) => [n, n * 10]), { input: [1, 2, 3] })) {
    it(c.name, c.run);
  }
  for (const c of conformance('flatMap (async iterables)', () => flatMap((n: number) => asyncRange(n)), {
    input: [1, 2, 3],
    emptyOutput: [],
  })) {
    it(c.name, c.run);
  }
  // An item mapped to nothing is skipped: the first output comes from the second item.
  for (const c of conformance('flatMap (some empty)', () => flatMap(async (n: number) => (n % 2 === 0 ? [n] : [])), {
    input: [1, 2, 3, 4],
    maxPulledForFirst: 2,
  })) {
    it(c.name, c.run);
  }

  it('flattens sync iterables, async iterables and promises of them, keeping order', async () => {
    const out = await from([1, 2, 3, 4, 5], { batchSize: 2 })
      .pipe(
        flatMap((n): Iterable<number> | AsyncIterable<number> | Promise<number[]> => {
          if (n === 1) return new Set([1, 1.5]);
          if (n === 2) return asyncRange(2);
          if (n === 3) return Promise.resolve([3]);
          if (n === 4) return naturals(0);
          return new Map([[5, 'five']]).keys();
        }),
      )
      .toArray();
    expect(out).toEqual([1, 1.5, 0, 1, 3, 5]);
  });

  it('passes the 0-based input position as index', async () => {
    const out = await from(['x', 'y', 'z'], { batchSize: 2 })
      .pipe(flatMap((s, { index }) => Array.from({ length: index }, () => s)))
      .toArray();
    expect(out).toEqual(['y', 'z', 'z']);
  });

  it('reads an async sequence to its end before the next input item', async () => {
    const gate = deferred();
    const log: string[] = [];
    async function* slow(n: number) {
      log.push(`start ${n}`);
      if (n === 1) await gate.promise;
      yield n;
      log.push(`end ${n}`);
    }
    const running = from([1, 2]).pipe(flatMap(slow)).toArray();
    await Promise.resolve();
    gate.resolve();
    expect(await running).toEqual([1, 2]);
    expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('fails the run with the error fn throws, unchanged, and closes the source once', async () => {
    const error = new Error('cannot expand');
    const source = trackedSource([1, 2, 3]);
    await expect(
      from(source)
        .pipe(
          flatMap((n) => {
            if (n === 2) throw error;
            return [n];
          }),
        )
        .toArray(),
    ).rejects.toBe(error);
    expect(source.stats.closes).toBe(1);
  });

  it('fails the run with the error an inner sequence throws, unchanged', async () => {
    const error = new Error('page 2 failed');
    const source = trackedSource([1, 2]);
    async function* pages(n: number) {
      yield n;
      if (n === 2) throw error;
    }
    await expect(from(source).pipe(flatMap(pages)).toArray()).rejects.toBe(error);
    expect(source.stats.closes).toBe(1);
  });

  it('fails the run with a coded TypeError when fn returns something that is not iterable', async () => {
    await expect(
      from([1])
        .pipe(flatMap(() => 'ab' as never))
        .toArray(),
    ).rejects.toMatchObject({
      name: 'TypeError',
      code: 'ERR_SLUICE_INVALID_ARGUMENT',
      message: expect.stringContaining('flatMap(fn): fn must return an array, an iterable or an async iterable'),
    });
    await expect(
      from([1])
        .pipe(flatMap(async () => 42 as never))
        .toArray(),
    ).rejects.toThrow(/got number 42/);
  });

  it('streams an endless async inner sequence, so a downstream take can stop it and close it', async () => {
    // One item per pull (batchSize: 1): the source reads nothing ahead, so `produced` shows where the stage stopped.
    let closed = 0;
    async function* forever(start: number) {
      try {
        for (let n = start; ; n++) yield n;
      } finally {
        closed++;
      }
    }
    const source = trackedSource([100, 200]);
    expect(
      await from(source, { batchSize: 1 })
        .pipe(
          flatMap((n: number) => forever(n)),
          take(3),
        )
        .toArray(),
    ).toEqual([100, 101, 102]);
    expect(closed).toBe(1);
    expect(source.stats.closes).toBe(1);
    expect(source.stats.produced).toBe(1);
  });

  it('closes an endless async inner sequence when the run is aborted', async () => {
    const controller = new AbortController();
    const reason = new Error('enough');
    const reading = deferred();
    const closed = deferred();
    async function* endless() {
      try {
        for (let i = 0; ; i++) {
          if (i === 3) reading.resolve();
          yield i;
          await Promise.resolve();
        }
      } finally {
        closed.resolve();
      }
    }
    const running = from([1]).pipe(flatMap(endless)).toArray({ signal: controller.signal });
    await reading.promise;
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    await closed.promise;
    expect(closed.settled).toBe(true);
  });

  it('feeds a downstream take from a sync generator a batch at most', async () => {
    const source = countingSource(naturals());
    const out = await from(source, { batchSize: 4 })
      .pipe(
        flatMap((n) => [n, n]),
        take(3),
      )
      .toArray();
    expect(out).toEqual([0, 0, 1]);
    expect(source.pulled).toBe(4);
    expect(source.closes).toBe(1);
  });

  it('rejects a non-function when called, with a coded TypeError', () => {
    expect(() => flatMap([1, 2] as never)).toThrow(TypeError);
    expect(() => flatMap([1, 2] as never)).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_ARGUMENT' }));
  });
});
