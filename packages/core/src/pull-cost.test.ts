import { createHook } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { from } from './index.js';
import { defineBatchSink, defineSyncStage } from './kit/index.js';

// What an item costs is counted in promises created, which is deterministic (timings are not, on a
// shared machine): a `for await` over an async generator creates 4 per item, and every promise the
// runner adds per item is a microtask hop more (bench/async-source.mjs measures the time).
const N = 2000;

let created = 0;
const hook = createHook({
  init(_id, type) {
    if (type === 'PROMISE') created++;
  },
});

async function promisesOf(work: () => Promise<unknown>): Promise<number> {
  created = 0;
  hook.enable();
  try {
    await work();
  } finally {
    hook.disable();
  }
  return created;
}

async function* numbers() {
  for (let i = 0; i < N; i++) yield i;
}

function* syncNumbers() {
  for (let i = 0; i < N; i++) yield i;
}

const forAwait = () =>
  promisesOf(async () => {
    for await (const n of numbers()) void n;
  });

const double = () =>
  defineSyncStage<number, number>('double', () => ({
    push(batch, out) {
      for (const n of batch) out.push(n * 2);
      return true;
    },
  }));

const odd = () =>
  defineSyncStage<number, number>('odd', () => ({
    push(batch, out) {
      for (const n of batch) if (n % 2 === 1) out.push(n);
      return true;
    },
  }));

/** Emits one array per 100 items: the source's items mostly go in and nothing comes out. */
const hundreds = () =>
  defineSyncStage<number, number[]>('hundreds', () => {
    let held: number[] = [];
    return {
      push(batch, out) {
        for (const n of batch) {
          held.push(n);
          if (held.length === 100) {
            out.push(held);
            held = [];
          }
        }
        return true;
      },
      flush(out) {
        if (held.length > 0) out.push(held);
      },
    };
  });

const drain = defineBatchSink('drain', async (batches: AsyncIterable<unknown[]>) => {
  let count = 0;
  for await (const batch of batches) count += batch.length;
  return count;
});

describe('an item from a one-item-per-next() source costs what a for await over it costs (bench/async-source.mjs)', () => {
  it('creates no promise of the runner per item that fused stages keep or drop: run() over an async generator', async () => {
    const limit = await forAwait();
    const sluice = await promisesOf(() => from(numbers).pipe(odd(), hundreds()).run());
    expect(sluice - limit).toBeLessThan(N / 10);
  });

  it('its synchronous twin: an array and a sync generator cost promises per batch, not per item', async () => {
    const array = Array.from({ length: N }, (_, i) => i);
    expect(await promisesOf(() => from(array).pipe(odd(), hundreds()).run())).toBeLessThan(N / 10);
    expect(await promisesOf(() => from(syncNumbers).pipe(odd(), hundreds()).run())).toBeLessThan(N / 10);
  });

  it('costs a batch sink promises per batch, not per item: the source cuts batches for it (6.2b)', async () => {
    const limit = await forAwait();
    let count = 0;
    const sluice = await promisesOf(async () => {
      count = await from(numbers).pipe(double()).to(drain);
    });
    expect(count).toBe(N);
    expect(sluice - limit).toBeLessThan(N / 10);
  });

  it('costs a batch sink at most three promises per item with batchSize: 1 (the source’s reaction, the pull and its await)', async () => {
    const limit = await forAwait();
    let count = 0;
    const sluice = await promisesOf(async () => {
      count = await from(numbers, { batchSize: 1 }).pipe(double()).to(drain);
    });
    expect(count).toBe(N);
    expect(sluice - limit).toBeLessThan(3 * N + N / 10);
  });

  it('costs a for await over the pipeline at most three promises more per item than a for await over its source', async () => {
    const limit = await forAwait();
    let count = 0;
    const sluice = await promisesOf(async () => {
      for await (const n of from(numbers).pipe(double())) count += n >= 0 ? 1 : 0;
    });
    expect(count).toBe(N);
    expect(sluice - limit).toBeLessThan(3 * N + N / 10);
  });

  it('adds nothing per pull for a signal or a timeout to run() and toArray(): they race the run once', async () => {
    const signal = new AbortController().signal;
    const plain = await promisesOf(() => from(numbers).pipe(double()).run());
    const withSignal = await promisesOf(() => from(numbers).pipe(double()).run({ signal, timeout: 60_000 }));
    expect(withSignal - plain).toBeLessThan(N / 10);
    const collected = await promisesOf(() => from(numbers).pipe(double()).toArray());
    const collectedWithSignal = await promisesOf(() => from(numbers).pipe(double()).toArray({ signal }));
    expect(collectedWithSignal - collected).toBeLessThan(N / 10);
  });
});
