import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { from, type RunReport } from './index.js';
import { defineBatchSink, type DemandBatches } from './kit/index.js';
import { deferred } from './testing/index.js';
import { reachableSampler } from './test-support/reachable-sampler.js';

// Contract 6.2 (docs/protocol.md), ADR 0005: for a batch puller, an async source cuts its batch from
// the items its iterator hands over before the event loop turns; an itemwise puller gets one item
// per pull and nothing is read ahead of it.

const KiB = 1024;

/** The sizes of the batches a batch sink received. */
const batchSizes = defineBatchSink('batchSizes', async (batches: AsyncIterable<unknown[]>) => {
  const sizes: number[] = [];
  for await (const batch of batches) sizes.push(batch.length);
  return sizes;
});

async function* numbers(count: number, produced = { n: 0 }) {
  for (let i = 0; i < count; i++) {
    produced.n++;
    yield i;
  }
}

/** A turn of the event loop, as a driver waiting for its socket between two pages takes. */
const ioTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('an async source, pulled for batches', () => {
  /**
   * A spent fairness slice cuts a batch too (contract 9), and on a loaded machine the OS can spend
   * one anywhere once the clock is read: the slice reads no clock before 64 items, and a run that
   * starts after a turn of the loop starts a fresh slice. So the exact cuts are asserted under 64
   * items; above, the bound and the total, and that the first batch got past 64.
   */
  function expectCut(sizes: number[], total: number, size: number): void {
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(total);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(size);
    expect(sizes[0]).toBeGreaterThanOrEqual(64);
  }

  it('cuts batches of batchSize from a generator that never waits', async () => {
    await ioTurn();
    expect(await from(() => numbers(60)).to(batchSizes)).toEqual([60]);
    await ioTurn();
    expect(await from(() => numbers(10), { batchSize: 4 }).to(batchSizes)).toEqual([4, 4, 2]);
    await ioTurn();
    expectCut(await from(() => numbers(3000)).to(batchSizes), 3000, 1024);
  });

  it('its synchronous twin: an iterator whose next() returns plain results is cut the same way', async () => {
    const plain = (count: number): AsyncIterable<number> => ({
      [Symbol.asyncIterator]: () => {
        let i = 0;
        return {
          next: () => (i < count ? { done: false, value: i++ } : { done: true, value: undefined }) as never,
        };
      },
    });
    await ioTurn();
    expect(await from(plain(60)).to(batchSizes)).toEqual([60]);
    await ioTurn();
    expectCut(await from(plain(3000)).to(batchSizes), 3000, 1024);
  });

  it('hands over a page of rows that arrived together as one batch, at the turn of the loop', async () => {
    // Pages of 50: each arrives on a fresh fairness slice, which reads no clock before 64 items.
    async function* pages() {
      for (let page = 0; page < 3; page++) {
        await ioTurn();
        for (let row = 0; row < 50; row++) yield page * 50 + row;
      }
    }
    expect(await from(pages).to(batchSizes)).toEqual([50, 50, 50]);
  });

  it('delivers what it has without waiting for an item that is not there yet', async () => {
    const second = deferred<void>();
    const received: number[][] = [];
    const sink = defineBatchSink('record', async (batches: AsyncIterable<number[]>) => {
      for await (const batch of batches) {
        received.push(batch);
        if (batch[0] === 1) second.resolve();
      }
    });
    async function* slow() {
      yield 1;
      await second.promise; // the next item waits for the first to have been delivered
      yield 2;
    }
    await from(slow).to(sink);
    expect(received).toEqual([[1], [2]]);
  });

  it('reads ahead at most one batch and the one next() pending when it was cut', async () => {
    const produced = { n: 0 };
    let worst = 0;
    let consumed = 0;
    async function* paced() {
      for (let i = 0; i < 2000; i++) {
        if (i % 300 === 0) await ioTurn();
        produced.n++;
        yield i;
      }
    }
    const sink = defineBatchSink('paced', async (batches: AsyncIterable<number[]>) => {
      for await (const batch of batches) {
        worst = Math.max(worst, produced.n - consumed);
        consumed += batch.length;
        await ioTurn();
      }
    });
    await from(paced).to(sink);
    expect(consumed).toBe(2000);
    expect(worst).toBeGreaterThan(1);
    expect(worst).toBeLessThanOrEqual(1024 + 1);
  });

  it('cuts Buffers at batchBytes, like a sync source', async () => {
    async function* buffers() {
      for (let i = 0; i < 10; i++) yield Buffer.alloc(10 * KiB, i);
    }
    expect(await from(buffers, { batchBytes: 32 * KiB }).to(batchSizes)).toEqual([4, 4, 2]);
    expect(await from(buffers).to(batchSizes)).toEqual([7, 3]);
  });

  it('batchSize: 1 reads nothing ahead', async () => {
    const produced = { n: 0 };
    const sizes = await from(() => numbers(5, produced), { batchSize: 1 }).to(
      defineBatchSink('one', async (batches: AsyncIterable<number[]>) => {
        const seen: number[] = [];
        for await (const batch of batches) {
          seen.push(batch.length);
          expect(produced.n).toBe(seen.length);
        }
        return seen;
      }),
    );
    expect(sizes).toEqual([1, 1, 1, 1, 1]);
  });

  it('hands a Node readable’s buffered chunks over together', async () => {
    const readable = Readable.from(['a', 'b', 'c', 'd'], { objectMode: true });
    const sizes = await from(readable).to(batchSizes);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(4);
    expect(sizes.length).toBeLessThan(4);
  });
});

describe('an async source whose read a cut left pending, when the consumer stops', () => {
  it('destroys an idle Node readable at once, so its close does not wait for data that may never come', async () => {
    const readable = new Readable({ objectMode: true, read() {} });
    readable.push(1);
    readable.push(2);
    const first = defineBatchSink('firstBatch', async (batches: AsyncIterable<number[]>) => {
      for await (const batch of batches) return batch;
      return [];
    });
    let report: RunReport | undefined;
    // With a close stuck behind the pending read, the run would wait out this cleanupTimeout.
    const got = await from(readable).to(first, { cleanupTimeout: 60_000, onReport: (r) => (report = r) });
    expect(got).toEqual([1, 2]);
    expect(readable.destroyed).toBe(true);
    expect(report!.source.closedAtMs).not.toBeNull();
    expect(report!.cleanupErrors).toEqual([]);
    await report!.closed;
  });
});

describe('an async source that fails in the middle of a batch', () => {
  it('delivers the items before the failure, then rejects with the error itself', async () => {
    const boom = new Error('boom');
    const received: number[] = [];
    async function* failing() {
      yield 1;
      yield 2;
      throw boom;
    }
    const sink = defineBatchSink('keep', async (batches: AsyncIterable<number[]>) => {
      for await (const batch of batches) received.push(...batch);
    });
    await expect(from(failing).to(sink)).rejects.toBe(boom);
    expect(received).toEqual([1, 2]);
  });

  it('fails with the error of an item whose size cannot be read (a revoked Proxy), after the items before it', async () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    async function* items() {
      yield 'a';
      yield proxy as unknown as string;
      yield 'b';
    }
    const received: string[] = [];
    const sink = defineBatchSink('keep', async (batches: AsyncIterable<string[]>) => {
      for await (const batch of batches) received.push(...batch);
    });
    await expect(from(items).to(sink)).rejects.toThrow(TypeError);
    expect(received).toEqual(['a']);
  });

  it('tells an error the consumer never pulled (it stopped first) without failing the run', async () => {
    const late = new Error('read ahead, never asked for');
    const reached = deferred<void>();
    async function* source() {
      yield 1;
      await reached.promise;
      throw late;
    }
    const errors: unknown[] = [];
    const first = defineBatchSink('first', async (batches: AsyncIterable<number[]>) => {
      for await (const batch of batches) return batch;
      return [];
    });
    const running = from(source).to(first, {
      onCleanupError: (error) => errors.push(error),
    });
    reached.resolve();
    await expect(running).resolves.toEqual([1]);
    expect(errors).toEqual([late]);
  });
});

describe('an async source, pulled item by item', () => {
  it('keeps produced − consumed at most 1 under for await through fused stages', async () => {
    const produced = { n: 0 };
    let consumed = 0;
    let worst = 0;
    const { defineInlineStage } = await import('./kit/index.js');
    const double = defineInlineStage<number, number>('map', 'double', (n) => (n as number) * 2);
    for await (const n of from(() => numbers(200, produced)).pipe(double)) {
      worst = Math.max(worst, produced.n - consumed);
      consumed++;
      void n;
    }
    expect(consumed).toBe(200);
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('pulls only what a take after a filter needs, and what first() after a filter needs', async () => {
    const { defineSyncStage } = await import('./kit/index.js');
    const evens = defineSyncStage<number, number>('evens', () => ({
      push(batch, out) {
        for (const n of batch) if (n % 2 === 0) out.push(n);
        return true;
      },
    }));
    const takeTwo = defineSyncStage<number, number>('takeTwo', () => {
      let left = 2;
      return {
        want: () => left,
        push(batch, out) {
          for (const n of batch) {
            if (left === 0) return false;
            out.push(n);
            left--;
          }
          return left > 0;
        },
      };
    });
    const produced = { n: 0 };
    expect(
      await from(() => numbers(1000, produced))
        .pipe(evens, takeTwo)
        .toArray(),
    ).toEqual([0, 2]);
    expect(produced.n).toBe(3);
    // A batch sink that can use one item (as first() does) passes a demand of one.
    const firstOf = defineBatchSink('firstOf', async (batches: DemandBatches<number>) => {
      const it = batches[Symbol.asyncIterator]();
      const r = await it.next(1);
      await it.return?.();
      return r.done ? undefined : r.value[0];
    });
    const odds = defineSyncStage<number, number>('odds', () => ({
      push(batch, out) {
        for (const n of batch) if (n % 2 === 1) out.push(n);
        return true;
      },
    }));
    const pulled = { n: 0 };
    expect(
      await from(() => numbers(1000, pulled))
        .pipe(odds)
        .to(firstOf),
    ).toBe(1);
    expect(pulled.n).toBe(2);
  });
});

describe('memory: what a batch pull of an async source keeps reachable', () => {
  /** Peak reachable ArrayBuffer memory (after a full GC) while a slow batch sink takes 64 KiB Buffers. */
  async function peakReachable(count: number): Promise<number> {
    const sampler = reachableSampler(64 * KiB);
    async function* buffers() {
      for (let i = 0; i < count; i++) yield Buffer.alloc(64 * KiB, i);
    }
    const sink = defineBatchSink('slow', async (batches: AsyncIterable<Buffer[]>) => {
      for await (const batch of batches) {
        for (const chunk of batch) sampler.take(chunk);
        await ioTurn();
      }
    });
    await from(buffers).to(sink);
    expect(sampler.seen).toBe(count);
    return sampler.peak;
  }

  it('keeps reachable ArrayBuffer memory under 4 MiB, not growing, at 16 MiB and 32 MiB of 64 KiB Buffers', async () => {
    const small = await peakReachable(256);
    const large = await peakReachable(512);
    // Before the byte bound applied to async sources, a batch could hold 1024 of them (64 MiB).
    expect(small).toBeLessThan(4096 * KiB);
    expect(large).toBeLessThan(4096 * KiB);
    expect(large - small).toBeLessThan(2048 * KiB);
  });
});
