import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { from, fromResource } from './index.js';
import { defineInlineStage, defineSyncStage, type InlineOp } from './kit/index.js';
import { deferred, trackedResource } from './testing/index.js';

type Fn = InlineOp['fn'];
const map = (fn: Fn) => defineInlineStage<any, any>('map', 'map', fn);
const filter = (fn: Fn) => defineInlineStage<any, any>('filter', 'filter', fn);
const tap = (fn: Fn) => defineInlineStage<any, any>('tap', 'tap', fn);

function take(n: number) {
  return defineSyncStage<any, any>(
    'take',
    () => {
      let taken = 0;
      return {
        push(batch, out) {
          const end = Math.min(n - taken, batch.length);
          for (let i = 0; i < end; i++) out.push(batch[i]);
          taken += end;
          return taken < n;
        },
        want: () => n - taken,
      };
    },
    { oneToOne: true },
  );
}

describe('defineInlineStage', () => {
  it('makes map replace the item, filter keep it when the result is truthy, tap pass it on', async () => {
    const seen: unknown[] = [];
    const out = await from([0, 1, 2, 3, 4])
      .pipe(
        map((n: number) => [n, '', null, 'x', NaN][n]),
        tap((v) => seen.push(v)),
        filter((v) => v),
      )
      .toArray();
    expect(out).toEqual(['x']);
    expect(seen).toEqual([0, '', null, 'x', NaN]);
  });

  it('works item by item in Node’s pipeline(), where the same stages compile to nothing', async () => {
    const out: unknown[] = [];
    // Node's typings want streams; the stages are the async-generator functions it also accepts.
    await (pipeline as (...stages: unknown[]) => Promise<void>)(
      [1, 2, 3, 4],
      map((n: number) => n * 10),
      filter((n: number) => n !== 20),
      tap(() => 'ignored'),
      async (items: AsyncIterable<unknown>) => {
        for await (const v of items) out.push(v);
      },
    );
    expect(out).toEqual([10, 30, 40]);
  });

  it('hands a callback a context whose index stays its item’s position until the call settles', async () => {
    const gate = deferred<void>();
    const seen: [number, number][] = [];
    const running = from([10, 20, 30])
      .pipe(
        map(async (n: number, ctx) => {
          const before = ctx.index;
          if (before === 1) await gate.promise;
          else await null;
          seen.push([before, ctx.index]);
          return n;
        }),
      )
      .toArray();
    gate.resolve();
    expect(await running).toEqual([10, 20, 30]);
    expect(seen).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
    ]);
  });
});

describe('fused inline stages: batches keep per-item semantics', () => {
  // regression (review, f9b005a): take(0) behind a filter opened and read the source.
  it('never opens the source for take(0) behind a filter', async () => {
    const { options, stats } = trackedResource([1, 2, 3]);
    const out = await fromResource(options)
      .pipe(
        filter(() => true),
        take(0),
      )
      .toArray();
    expect(out).toEqual([]);
    expect(stats.opens).toBe(0);
    expect(stats.reads).toBe(0);
  });

  // regression (review, f9b005a): an error mid-batch dropped the items before it.
  it('delivers the items mapped before an error in the same batch, as item by item', async () => {
    const boom = new Error('bad row');
    const seen: number[] = [];
    const running = from([1, 2, 3])
      .pipe(
        map((n: number) => {
          if (n === 3) throw boom;
          return n;
        }),
        tap(() => undefined), // compiled with map into one loop
      )
      .to(async (items) => {
        for await (const n of items) seen.push(n);
      });
    await expect(running).rejects.toBe(boom);
    // Item by item (Node pipeline, or batchSize: 1) the sink sees 1 and 2 before the error.
    expect(seen).toEqual([1, 2]);
  });

  it('awaits non-Promise thenables, keeps order and per-stage indexes', async () => {
    const thenable = (v: unknown) => ({ then: (res: (x: unknown) => void) => res(v) });
    const idx: Record<string, number[]> = { m: [], f: [], t: [] };
    const out = await from([1, 2, 3, 4, 5, 6])
      .pipe(
        map((n: number, c) => {
          idx.m!.push(c.index);
          return n % 2 === 0 ? thenable(n * 10) : n * 10;
        }),
        filter((n: number, c) => {
          idx.f!.push(c.index);
          return n === 30 ? Promise.resolve(false) : n !== 50;
        }),
        tap((_n: number, c) => {
          idx.t!.push(c.index);
          return c.index === 1 ? thenable(undefined) : undefined;
        }),
      )
      .toArray();
    expect(out).toEqual([10, 20, 40, 60]);
    expect(idx).toEqual({ m: [0, 1, 2, 3, 4, 5], f: [0, 1, 2, 3, 4, 5], t: [0, 1, 2, 3] });
  });

  it('fails the run with an error thrown after the loop went async, and closes the source', async () => {
    const boom = { not: 'an Error' };
    const { options, stats } = trackedResource([1, 2, 3, 4], { batchSize: 4 });
    const running = fromResource(options)
      .pipe(
        map(async (n: number) => n),
        tap((n: number) => {
          if (n === 3) throw boom;
        }),
      )
      .toArray();
    await expect(running).rejects.toBe(boom);
    expect(stats.closes).toBe(1);
  });
});
