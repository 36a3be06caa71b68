import { describe, expect, it } from 'vitest';
import { from, fromResource } from './index.js';
import { defineBatchSink } from './kit/index.js';
import { reachableSampler } from './test-support/reachable-sampler.js';

const KiB = 1024;

const batchSizes = defineBatchSink('batchSizes', async (batches: AsyncIterable<unknown[]>) => {
  const sizes: number[] = [];
  for await (const batch of batches) sizes.push(batch.length);
  return sizes;
});

function* buffers(count: number, size = 64 * KiB, produced = { n: 0 }) {
  for (let i = 0; i < count; i++) {
    produced.n++;
    yield Buffer.alloc(size, i);
  }
}

describe('contract 6.2: a source that cuts batches bounds them by bytes as well as by count', () => {
  it('cuts 64 KiB Buffers one per batch by default, from an array and from a sync generator', async () => {
    const chunks = [...buffers(5)];
    expect(await from(chunks).to(batchSizes)).toEqual([1, 1, 1, 1, 1]);
    expect(await from(() => buffers(5)).to(batchSizes)).toEqual([1, 1, 1, 1, 1]);
  });

  it('ends a batch at the first item that brings it to batchBytes or more', async () => {
    const chunks = [...buffers(10, 10 * KiB)];
    expect(await from(chunks, { batchBytes: 32 * KiB }).to(batchSizes)).toEqual([4, 4, 2]);
    expect(await from(() => buffers(10, 10 * KiB), { batchBytes: 32 * KiB }).to(batchSizes)).toEqual([4, 4, 2]);
    const lines = Array.from({ length: 1000 }, () => `${'x'.repeat(99)}\n`);
    expect(await from(lines).to(batchSizes)).toEqual([656, 344]);
  });

  it('counts objects as items only, and batchBytes: Infinity turns the byte bound off', async () => {
    const rows = Array.from({ length: 3000 }, (_, id) => ({ id, blob: 'x'.repeat(100) }));
    expect(await from(rows).to(batchSizes)).toEqual([1024, 1024, 952]);
    expect(await from([...buffers(3)], { batchBytes: Infinity, batchSize: 2 }).to(batchSizes)).toEqual([2, 1]);
    // An array is taken as objects only when neither end of a batch's window holds bytes.
    expect(await from([{ header: true }, ...buffers(3)]).to(batchSizes)).toEqual([2, 1, 1]);
  });

  it('reads no more than one batch ahead of the consumer from a sync generator of Buffers', async () => {
    const produced = { n: 0 };
    for await (const _ of from(() => buffers(1000, 64 * KiB, produced))) break;
    expect(produced.n).toBe(1);
  });

  it('validates batchBytes with coded errors', () => {
    expect(() => from([1], { batchBytes: 0 })).toThrow(
      expect.objectContaining({ name: 'RangeError', code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE' }),
    );
    expect(() => from([1], { batchBytes: 1.5 })).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE' }),
    );
    expect(() => from([1], { batchBytes: '64k' as never })).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        code: 'ERR_SLUICE_INVALID_OPTION',
        message: expect.stringMatching(/batchBytes must be a number, got string "64k"/),
      }),
    );
  });

  it('hands on the batch a fromResource read returned, whatever its bytes: that batch is the caller’s bound', async () => {
    const sizes = await fromResource({
      open: () => ({ reads: 0 }),
      read: (r) => (r.reads++ < 2 ? [...buffers(3)] : null),
      close: () => undefined,
    }).to(batchSizes);
    expect(sizes).toEqual([3, 3]);
  });

  /**
   * Peak reachable ArrayBuffer memory (after a full GC) while a slow consumer takes 64 KiB Buffers
   * from a sync generator: before the byte bound, a batch held up to 1024 of them (64 MiB).
   */
  async function peakReachable(count: number): Promise<number> {
    const sampler = reachableSampler(64 * KiB);
    for await (const chunk of from(() => buffers(count))) {
      sampler.take(chunk);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(sampler.seen).toBe(count);
    return sampler.peak;
  }

  it('keeps reachable ArrayBuffer memory under 4 MiB, not growing, at 16 MiB and 32 MiB of 64 KiB Buffers', async () => {
    const small = await peakReachable(256);
    const large = await peakReachable(512);
    // The sweeper frees backing stores after gc() returns: up to the 16 chunks consumed since the
    // last sample (1 MiB) may still count, and how many varies from run to run, so the bounds leave
    // 2 MiB of room for it. Before the byte bound: the whole volume (16 and 32 MiB, one batch).
    expect(small).toBeLessThan(4096 * KiB);
    expect(large).toBeLessThan(4096 * KiB);
    expect(large - small).toBeLessThan(2048 * KiB);
  });
});
