import { describe, expect, it } from 'vitest';
import { fromResource, type RunReport, type Stage } from '@sluice/core';
import { defineBatchSink } from '@sluice/core/kit';
import { trackedResource } from '@sluice/core/testing';
import { drop } from './drop.js';
import { filter } from './filter.js';
import { naturals } from './test-support/sync-sources.js';
import { map } from './map.js';
import { scan } from './scan.js';
import { tap } from './tap.js';

/** A sink that records the size of every batch it receives. */
function batchSizes(sizes: number[]) {
  return defineBatchSink<number, void>('sizes', async (batches) => {
    for await (const batch of batches) sizes.push(batch.length);
  });
}

async function* opaque(source: AsyncIterable<number>): AsyncGenerator<number> {
  for await (const n of source) yield n;
}

describe('fusion of the synchronous operators', () => {
  const rows = Array.from(naturals(10_000));
  const fiveStages = (log: string[]) => {
    let queued = false;
    return [
      map((n: number) => n + 1),
      tap<number>(() => {
        if (queued) return;
        queued = true;
        queueMicrotask(() => log.push('microtask queued by the 2nd stage'));
      }),
      filter((n: number) => n % 2 === 0),
      scan((_last: number, n: number) => n, 0),
      drop<number>(0),
    ] as const;
  };

  it('runs five adjacent operators as one loop: one pull per source batch, batches kept whole', async () => {
    const { options, stats } = trackedResource(rows, { batchSize: 1000 });
    const sizes: number[] = [];
    const log: string[] = [];
    const [s1, s2, s3, s4, s5] = fiveStages(log);
    let report: RunReport | undefined;
    await fromResource(options)
      .pipe(
        s1,
        s2,
        s3,
        s4,
        s5,
        tap<number>(() => {
          if (log.length === 0) log.push('5th stage saw the first batch');
        }),
      )
      .to(batchSizes(sizes), { onReport: (r) => (report = r) });

    // Fused: each source batch went through all stages as one batch; an opaque stage would hand on batches of one.
    expect(sizes).toEqual(Array.from({ length: 10 }, () => 500));
    expect(stats.reads).toBe(11); // ten batches, then the read that found the end
    // One synchronous loop: a microtask queued in the 2nd stage cannot run before the last stage
    // handled that batch. Stages linked by promises would let it run in between.
    expect(log).toEqual(['5th stage saw the first batch', 'microtask queued by the 2nd stage']);
    expect(report?.stages.map((s) => [s.name, s.fused])).toEqual([
      ['map', true],
      ['tap', true],
      ['filter', true],
      ['scan', true],
      ['drop', true],
      ['tap', true],
    ]);
    expect(report?.stages.map((s) => [s.itemsIn, s.itemsOut])).toEqual([
      [10_000, 10_000],
      [10_000, 10_000],
      [10_000, 5_000],
      [5_000, 5_000],
      [5_000, 5_000],
      [5_000, 5_000],
    ]);
  });

  it('control: the same measures change when an opaque stage breaks the chain', async () => {
    const { options } = trackedResource(rows, { batchSize: 1000 });
    const sizes: number[] = [];
    const log: string[] = [];
    const [s1, s2, s3, s4, s5] = fiveStages(log);
    let report: RunReport | undefined;
    await fromResource(options)
      .pipe(
        s1,
        s2,
        opaque as Stage<number, number>,
        s3,
        s4,
        s5,
        tap<number>(() => {
          if (log.length === 0) log.push('5th stage saw the first batch');
        }),
      )
      .to(batchSizes(sizes), { onReport: (r) => (report = r) });

    expect(sizes).toHaveLength(5000);
    expect(log[0]).toBe('microtask queued by the 2nd stage');
    expect(report?.stages.find((s) => s.name === 'opaque')?.fused).toBe(false);
  });
});
