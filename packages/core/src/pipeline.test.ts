import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { chain, from, fromResource, type Chain, type Stage } from './index.js';
import { defineSyncStage } from './kit/index.js';
import { trackedSource } from './testing/index.js';

async function* double(source: AsyncIterable<number>) {
  for await (const n of source) yield n * 2;
}

const plusOne = defineSyncStage<number, number>(
  'plusOne',
  () => ({
    push(batch, out) {
      for (const n of batch) out.push(n + 1);
      return true;
    },
  }),
  { oneToOne: true },
);

describe('from', () => {
  it('accepts arrays, sync iterables, async iterables, Node readables, ReadableStreams and functions', async () => {
    function* gen() {
      yield 1;
      yield 2;
    }
    async function* agen() {
      yield 1;
      yield 2;
    }
    expect(await from([1, 2]).toArray()).toEqual([1, 2]);
    expect(await from(new Set([1, 2])).toArray()).toEqual([1, 2]);
    expect(await from(gen()).toArray()).toEqual([1, 2]);
    expect(await from(agen()).toArray()).toEqual([1, 2]);
    expect(await from(Readable.from([1, 2])).toArray()).toEqual([1, 2]);
    expect(await from(new ReadableStream({ start: (c) => (c.enqueue(1), c.enqueue(2), c.close()) })).toArray()).toEqual(
      [1, 2],
    );
    expect(await from(() => agen()).toArray()).toEqual([1, 2]);
    expect(await from(async () => [1, 2]).toArray()).toEqual([1, 2]);
  });

  it('treats a string or a buffer as one chunk, like Readable.from', async () => {
    expect(await from('abc').toArray()).toEqual(['abc']);
    expect(await from(Buffer.from('ab')).toArray()).toEqual([Buffer.from('ab')]);
  });

  it('awaits promises yielded by a sync iterable, like for await', async () => {
    expect(await from([Promise.resolve(1), 2]).toArray()).toEqual([1, 2]);
  });

  it('calls a source function anew on every run', async () => {
    let calls = 0;
    const p = from(() => {
      calls++;
      return [calls];
    });
    expect(await p.toArray()).toEqual([1]);
    expect(await p.toArray()).toEqual([2]);
  });

  it('cuts arrays into batches of batchSize', async () => {
    const sizes: number[] = [];
    const probe = defineSyncStage<number, number>('probe', () => ({
      push(batch, out) {
        sizes.push(batch.length);
        out.push(...batch);
        return true;
      },
    }));
    await from([1, 2, 3, 4, 5], { batchSize: 2 }).pipe(probe).run();
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('rejects what it cannot read at call time, with a code and a message', () => {
    expect(() => from(42 as never)).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        code: 'ERR_SLUICE_INVALID_SOURCE',
        message: expect.stringContaining('number 42'),
      }),
    );
    expect(() => from(null as never)).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_SOURCE' }));
    expect(() => from([1], { batchSize: 0 })).toThrow(
      expect.objectContaining({
        name: 'RangeError',
        code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE',
        message: expect.stringContaining('batchSize'),
      }),
    );
    expect(() => from([1], { batchSize: 1.5 })).toThrow(expect.objectContaining({ name: 'RangeError' }));
    expect(() => from([1], { batchSiz: 1 } as never)).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        code: 'ERR_SLUICE_INVALID_OPTION',
        message: expect.stringContaining('"batchSiz"'),
      }),
    );
  });

  it('rejects the run with a coded error when a source function returns something unreadable', async () => {
    await expect(from(() => 7 as never).toArray()).rejects.toMatchObject({ code: 'ERR_SLUICE_INVALID_SOURCE' });
  });

  // regression (review, f9b005a): from(Uint8Array) was typed as a pipeline of numbers.
  it('types from(Uint8Array) as a pipeline of that buffer, which it yields whole', async () => {
    const out = await from(new Uint8Array([1, 2])).toArray();
    const first: Uint8Array = out[0]!;
    expect(first).toEqual(new Uint8Array([1, 2]));
    expect(out).toHaveLength(1);
  });
});

describe('Pipeline', () => {
  it('pipes opaque and fusable stages in order', async () => {
    expect(await from([1, 2, 3]).pipe(double, plusOne, double).toArray()).toEqual([6, 10, 14]);
  });

  it('is immutable: pipe returns a new pipeline and the original still runs', async () => {
    const base = from([1, 2]);
    const doubled = base.pipe(double);
    expect(await base.toArray()).toEqual([1, 2]);
    expect(await doubled.toArray()).toEqual([2, 4]);
  });

  it('runs into a sink and resolves to its result', async () => {
    const sum = async (source: AsyncIterable<number>) => {
      let total = 0;
      for await (const n of source) total += n;
      return total;
    };
    expect(await from([1, 2, 3]).pipe(plusOne).to(sum)).toBe(9);
  });

  it('can be iterated with for await', async () => {
    const seen: number[] = [];
    for await (const n of from([1, 2, 3]).pipe(double)) seen.push(n);
    expect(seen).toEqual([2, 4, 6]);
  });

  it('rejects stages that are not functions at call time', () => {
    expect(() => from([1]).pipe(double, 3 as never)).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        code: 'ERR_SLUICE_INVALID_STAGE',
        message: expect.stringContaining('stage 2'),
      }),
    );
  });

  it('rejects a stage that returns something other than an async iterable', async () => {
    const broken = (() => [1, 2]) as unknown as Stage<number, number>;
    await expect(from([1]).pipe(broken).toArray()).rejects.toMatchObject({ code: 'ERR_SLUICE_INVALID_STAGE' });
  });

  it('rejects invalid run options at call time', () => {
    const p = from([1]);
    expect(() => p.run({ timeout: -1 })).toThrow(
      expect.objectContaining({ name: 'RangeError', code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE' }),
    );
    expect(() => p.run({ timeout: '5' as never })).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_SLUICE_INVALID_OPTION' }),
    );
    expect(() => p.run({ signal: {} as never })).toThrow(
      expect.objectContaining({ message: expect.stringContaining('AbortSignal') }),
    );
    expect(() => p.toArray({ timeot: 5 } as never)).toThrow(
      expect.objectContaining({ message: expect.stringContaining('"timeot"') }),
    );
    expect(() => p.to(null as never)).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_SINK' }));
  });

  // regression (review, f9b005a): setTimeout turns such a delay into 1 ms.
  it('refuses a timeout above 2^31-1 ms, which setTimeout would turn into 1 ms', () => {
    const source = trackedSource([1]);
    expect(() => from(source).run({ timeout: 2 ** 31 })).toThrow(
      expect.objectContaining({
        name: 'RangeError',
        code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE',
        message: expect.stringContaining('24.8 days'),
      }),
    );
    expect(source.stats.opens).toBe(0);
  });

  it('accepts Infinity as no timeout', async () => {
    expect(await from([1]).toArray({ timeout: Infinity })).toEqual([1]);
  });

  // regression (review, f9b005a): next() after return() started a run.
  it('reports done from next() after return() on iterate(), without starting a run', async () => {
    const source = trackedSource([1, 2, 3]);
    const it = from(source).iterate();
    await it.return!();
    const r = await it.next();
    expect(r.done).toBe(true);
    expect(source.stats.opens).toBe(0);
  });

  // regression (review, f9b005a): a second next() before the first settled was refused.
  it('lets a stage call next() on its source again before the previous call settled, as on any async generator', async () => {
    async function* prefetch(source: AsyncIterable<number>) {
      const it = source[Symbol.asyncIterator]();
      for (;;) {
        const [a, b] = await Promise.all([it.next(), it.next()]);
        if (!a.done) yield a.value;
        if (!b.done) yield b.value;
        if (a.done || b.done) return;
      }
    }
    await expect(
      from(trackedSource([1, 2, 3, 4]))
        .pipe(prefetch)
        .toArray(),
    ).resolves.toEqual([1, 2, 3, 4]);
  });
});

describe('chain', () => {
  it('is a reusable stage that works inside pipelines and on its own', async () => {
    const exporter = chain<number>().pipe(plusOne, double);
    expect(await from([1, 2]).pipe(exporter).toArray()).toEqual([4, 6]);
    expect(await from([3]).pipe(exporter, plusOne).toArray()).toEqual([9]);
    const standalone: number[] = [];
    for await (const n of exporter(from([1, 2]), { signal: new AbortController().signal })) standalone.push(n);
    expect(standalone).toEqual([4, 6]);
  });

  it('is inlined when piped, so its synchronous stages fuse with their neighbours', async () => {
    const report = await from([1, 2]).pipe(plusOne, chain<number>().pipe(plusOne)).run();
    expect(report.stages.map((s) => s.fused)).toEqual([true, true]);
  });

  it('closes its source when its consumer stops early', async () => {
    const source = trackedSource([1, 2, 3, 4]);
    const it = chain<number>().pipe(plusOne)(source, { signal: new AbortController().signal })[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({ done: false, value: 2 });
    await it.return?.();
    expect(source.stats.closes).toBe(1);
  });
});

describe('fromResource', () => {
  it('opens on the first pull, reads batches and closes once at the end', async () => {
    const log: string[] = [];
    const p = fromResource({
      open: () => {
        log.push('open');
        return { left: 3 };
      },
      read: (r) => {
        log.push('read');
        return r.left > 0 ? [r.left--] : null;
      },
      close: () => {
        log.push('close');
      },
    });
    expect(log).toEqual([]);
    expect(await p.toArray()).toEqual([3, 2, 1]);
    expect(log).toEqual(['open', 'read', 'read', 'read', 'read', 'close']);
  });

  it('validates its options at call time', () => {
    expect(() => fromResource({ open: () => 1, read: 'x', close: () => {} } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_ARGUMENT', message: expect.stringContaining('read') }),
    );
  });
});

describe('pipe with stages assembled at run time', () => {
  it('takes them one pipe() call each', async () => {
    const stages: Stage<number, number>[] = [plusOne, double];
    expect(await stages.reduce((p, stage) => p.pipe(stage), from([1, 2])).toArray()).toEqual([4, 6]);
    expect(
      await from([1])
        .pipe(stages.reduce<Chain<number, number>>((c, stage) => c.pipe(stage), chain<number>()))
        .toArray(),
    ).toEqual([4]);
  });

  it('rejects an array passed as a stage, with a coded error (pipe has no list form)', () => {
    const stages = [plusOne, double] as unknown as Stage<number, number>;
    expect(() => from([1]).pipe(stages)).toThrow(
      expect.objectContaining({
        code: 'ERR_SLUICE_INVALID_STAGE',
        message: expect.stringMatching(/^pipe\(\): stage 1 must be a function .*array/i),
      }),
    );
  });
});
