import { describe, expect, it } from 'vitest';
import { from, fromResource, type RunReport } from '@sluice/core';
import { trackedResource, trackedSource } from '@sluice/core/testing';
import { countingSource, naturals } from './test-support/sync-sources.js';
import { filter } from './filter.js';
import { first } from './first.js';
import { map } from './map.js';

describe('first', () => {
  it('stops the run after the first item: the source is closed at once', async () => {
    const source = trackedSource([1, 2, 3, 4]);
    let report: RunReport | undefined;
    expect(await from(source).to(first(), { onReport: (r) => (report = r) })).toBe(1);
    expect(source.stats.produced).toBe(1);
    expect(source.stats.nexts).toBe(1);
    expect(source.stats.closes).toBe(1);
    expect(report?.source.closedAtMs).not.toBeNull();
  });

  it('reports the run as stopped, not completed', async () => {
    let report: RunReport | undefined;
    await from([1, 2, 3]).to(first(), { onReport: (r) => (report = r) });
    expect(report?.outcome).toBe('stopped');
  });

  it('resolves to the first item that passes the stages before it', async () => {
    const source = trackedSource([1, 3, 4, 5, 6]);
    expect(
      await from(source)
        .pipe(filter((n) => n % 2 === 0))
        .to(first()),
    ).toBe(4);
    expect(source.stats.produced).toBe(3);
    expect(source.stats.closes).toBe(1);
  });

  it('resolves to undefined for an empty input, with the outcome completed', async () => {
    let report: RunReport | undefined;
    expect(await from<number>([]).to(first(), { onReport: (r) => (report = r) })).toBeUndefined();
    expect(report?.outcome).toBe('completed');
  });

  it('pulls exactly one item from a sync generator, through synchronous operators, and closes it', async () => {
    const source = countingSource(naturals());
    expect(await from(source, { batchSize: 8 }).to(first())).toBe(0);
    expect(source.pulled).toBe(1);
    expect(source.closes).toBe(1);
    const mapped = countingSource(naturals());
    expect(
      await from(mapped)
        .pipe(map((n: number) => n + 1))
        .to(first()),
    ).toBe(1);
    expect(mapped.pulled).toBe(1);
  });

  it('releases a resource source exactly once', async () => {
    const { options, stats } = trackedResource(Array.from(naturals(100)), { batchSize: 10 });
    expect(await fromResource(options).to(first())).toBe(0);
    expect(stats.reads).toBe(1);
    expect(stats.closes).toBe(1);
  });

  it('fails the run with an upstream error before the first item, unchanged', async () => {
    const error = new Error('cursor broke');
    const source = trackedSource<number>({ items: [1], throwAt: { index: 0, error } });
    await expect(from(source).to(first())).rejects.toBe(error);
    expect(source.stats.closes).toBe(1);
  });

  it('works as a plain sink outside sluice and closes its input', async () => {
    const source = trackedSource(['a', 'b']);
    expect(await first<string>()(source, { signal: new AbortController().signal })).toBe('a');
    expect(source.stats.closes).toBe(1);
    expect(source.stats.produced).toBe(1);
  });
});
