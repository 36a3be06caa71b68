import { setImmediate as realSetImmediate } from 'node:timers';
import { from } from '@sluice/core';
import { kSluiceStage } from '@sluice/core/kit';
import {
  NO_LEAKS,
  conformance,
  deferred,
  flushMacrotask,
  leakCheck,
  trackedSource,
  type Deferred,
} from '@sluice/core/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { batch } from './batch.js';

/** A macrotask of the real clock (setImmediate is faked along with the timers in some tests). */
const realTick = () => new Promise<void>((resolve) => realSetImmediate(resolve));

/** Collects unhandled rejections until `stop()` (after two real macrotasks). */
function watchUnhandled() {
  const seen: unknown[] = [];
  const onRejection = (reason: unknown) => seen.push(reason);
  process.on('unhandledRejection', onRejection);
  return {
    seen,
    async stop() {
      await realTick();
      await realTick();
      process.off('unhandledRejection', onRejection);
      return seen;
    },
  };
}

/**
 * An async source the test feeds by hand; it records how many pulls were in flight at once,
 * so a stage that asks twice concurrently (or drops a pending pull) is caught.
 */
function handFed<T>() {
  const waiting: Deferred<IteratorResult<T>>[] = [];
  const ready: IteratorResult<T>[] = [];
  const stats = { nexts: 0, inFlight: 0, maxInFlight: 0, returns: 0 };
  const deliver = (r: IteratorResult<T>) => {
    const w = waiting.shift();
    if (w) w.resolve(r);
    else ready.push(r);
  };
  const iterator: AsyncIterableIterator<T> = {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      stats.nexts++;
      const r = ready.shift();
      if (r) return Promise.resolve(r);
      stats.maxInFlight = Math.max(stats.maxInFlight, ++stats.inFlight);
      const d = deferred<IteratorResult<T>>();
      waiting.push(d);
      return d.promise.finally(() => stats.inFlight--);
    },
    async return() {
      stats.returns++;
      for (const w of waiting.splice(0)) w.resolve({ done: true, value: undefined });
      return { done: true, value: undefined };
    },
  };
  return {
    iterable: iterator,
    stats,
    push: (value: T) => deliver({ done: false, value }),
    end: () => deliver({ done: true, value: undefined }),
  };
}

/** Collects what a pipeline emits as it goes, so the test can look at it between timer steps. */
function collect<T>(iterable: AsyncIterable<T>) {
  const got: T[] = [];
  const done = (async () => {
    for await (const item of iterable) got.push(item);
  })();
  done.catch(() => undefined);
  return { got, done };
}

describe('batch', () => {
  for (const c of conformance('batch(2)', () => batch<number>(2), { input: [1, 2, 3, 4], maxPulledForFirst: 2 }))
    it(c.name, c.run);
  for (const c of conformance(
    'batch({ size: 2, maxWaitMs: 60000 })',
    () => batch<number>({ size: 2, maxWaitMs: 60_000 }),
    {
      input: [1, 2, 3, 4],
      maxPulledForFirst: 2,
    },
  )) {
    it(c.name, c.run);
  }
  for (const c of conformance(
    'batch({ maxWeight: 5, weigh })',
    () => batch<number>({ maxWeight: 5, weigh: (n) => n }),
    {
      input: [1, 2, 3, 4],
      maxPulledForFirst: 3,
    },
  )) {
    it(c.name, c.run);
  }

  it('is a fused synchronous stage without maxWaitMs and an asynchronous one with it', () => {
    expect(batch(2)[kSluiceStage as never]).toMatchObject({ kind: 'sync', name: 'batch' });
    expect(batch({ size: 2, maxWaitMs: 10 })[kSluiceStage as never]).toBeUndefined();
  });

  it('flushes the remainder at the end, through the fused path and item by item', async () => {
    expect(await from([1, 2, 3, 4, 5, 6, 7], { batchSize: 3 }).pipe(batch(3)).toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7],
    ]);
    const plain: number[][] = [];
    for await (const b of batch<number>(3)(trackedSource([1, 2, 3, 4]), { signal: new AbortController().signal }))
      plain.push(b);
    expect(plain).toEqual([[1, 2, 3], [4]]);
  });

  it('puts an item heavier than maxWeight in a batch of its own', async () => {
    const out = await from([2, 10, 1, 1, 6])
      .pipe(batch({ maxWeight: 5, weigh: (n: number) => n }))
      .toArray();
    expect(out).toEqual([[2], [10], [1, 1], [6]]);
  });

  it('cuts by count or weight, whichever comes first', async () => {
    const out = await from([1, 1, 1, 3, 1])
      .pipe(batch({ size: 2, maxWeight: 4, weigh: (n: number) => n }))
      .toArray();
    expect(out).toEqual([[1, 1], [1, 3], [1]]);
  });

  it('fails the run with a coded error when weigh returns something that is not a weight', async () => {
    const run = from([1, 2])
      .pipe(batch({ maxWeight: 4, weigh: () => Number.NaN }))
      .toArray();
    await expect(run).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_SLUICE_INVALID_ARGUMENT' });
  });

  it('validates its options when called', () => {
    expect(() => batch(0)).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE' }));
    expect(() => batch({})).toThrow(/needs a finite size, maxWaitMs or maxWeight/);
    expect(() => batch({ maxWaitMs: Infinity })).toThrow(/needs a finite/);
    expect(() => batch({ maxWaitMs: 0 })).toThrow(/must be > 0/);
    expect(() => batch({ maxWaitMs: 2 ** 31 })).toThrow(
      /maxWaitMs must be at most 2147483647 ms \(about 24.8 days\) or Infinity, got 2147483648/,
    );
    expect(() => batch({ maxWeight: 10 })).toThrow(/maxWeight and weigh/);
    expect(() => batch({ size: 2, weigh: () => 1 })).toThrow(/maxWeight and weigh/);
    expect(() => batch({ size: 2, maxItems: 3 } as never)).toThrow(/unknown option "maxItems"/);
    expect(() => batch('2' as never)).toThrow(expect.objectContaining({ name: 'TypeError' }));
  });

  describe('with maxWaitMs (fake timers)', () => {
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('starts the timer at the first item of a batch and keeps the pending pull across a timed flush', async () => {
      const src = handFed<string>();
      const { got, done } = collect(from(src.iterable).pipe(batch<string>({ size: 3, maxWaitMs: 1000 })));
      await vi.advanceTimersByTimeAsync(5000);
      expect(vi.getTimerCount()).toBe(0);
      src.push('a');
      await vi.advanceTimersByTimeAsync(999);
      expect(got).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect(got).toEqual([['a']]);
      expect(src.stats.inFlight).toBe(1);
      src.push('b');
      src.push('c');
      src.push('d');
      await vi.advanceTimersByTimeAsync(0);
      expect(got).toEqual([['a'], ['b', 'c', 'd']]);
      src.push('e');
      src.end();
      await done;
      expect(got).toEqual([['a'], ['b', 'c', 'd'], ['e']]);
      expect(src.stats.maxInFlight).toBe(1);
      expect(src.stats.nexts).toBe(6);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('restarts the timer for the next batch at its own first item', async () => {
      const src = handFed<string>();
      const { got, done } = collect(from(src.iterable).pipe(batch<string>({ size: 2, maxWaitMs: 100 })));
      src.push('a');
      await vi.advanceTimersByTimeAsync(50);
      src.push('b');
      await vi.advanceTimersByTimeAsync(70);
      expect(got).toEqual([['a', 'b']]);
      expect(vi.getTimerCount()).toBe(0);
      src.push('c');
      await vi.advanceTimersByTimeAsync(99);
      expect(got).toEqual([['a', 'b']]);
      await vi.advanceTimersByTimeAsync(1);
      expect(got).toEqual([['a', 'b'], ['c']]);
      src.end();
      await done;
    });

    it('never emits an empty batch while the source is idle', async () => {
      const src = handFed<number>();
      const { got, done } = collect(from(src.iterable).pipe(batch<number>({ maxWaitMs: 10 })));
      src.push(1);
      await vi.advanceTimersByTimeAsync(10);
      await vi.advanceTimersByTimeAsync(1000);
      expect(got).toEqual([[1]]);
      src.end();
      await done;
      expect(got).toEqual([[1]]);
    });

    it('delivers the last partial batch at the end without waiting for the timer', async () => {
      const items = await from(trackedSource(['x', 'y']))
        .pipe(batch<string>({ size: 5, maxWaitMs: 60_000 }))
        .toArray();
      expect(items).toEqual([['x', 'y']]);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('clears its timer and closes the source once when the consumer breaks early', async () => {
      const src = handFed<number>();
      const it = from(src.iterable)
        .pipe(batch<number>({ maxWeight: 3, weigh: (n) => n, maxWaitMs: 1000 }))
        [Symbol.asyncIterator]();
      const first = it.next();
      src.push(2);
      src.push(2);
      expect(await first).toEqual({ done: false, value: [2] });
      // The second 2 started the next batch, and its timer, before the first batch was handed on.
      expect(vi.getTimerCount()).toBe(1);
      await it.return?.();
      expect(vi.getTimerCount()).toBe(0);
      expect(src.stats.returns).toBe(1);
    });

    it('clears its timer after a timed flush and a break while the pull it kept is in flight', async () => {
      const src = handFed<number>();
      const it = from(src.iterable)
        .pipe(batch<number>({ size: 2, maxWaitMs: 1000 }))
        [Symbol.asyncIterator]();
      const first = it.next();
      src.push(1);
      src.push(2);
      expect(await first).toEqual({ done: false, value: [1, 2] });
      const second = it.next();
      src.push(3);
      await vi.advanceTimersByTimeAsync(0);
      expect(vi.getTimerCount()).toBe(1);
      await vi.advanceTimersByTimeAsync(1000);
      expect(await second).toEqual({ done: false, value: [3] });
      await it.return?.();
      expect(vi.getTimerCount()).toBe(0);
      // The runner defers the source's return() until the pull this stage kept in flight settles.
      src.push(4);
      await vi.advanceTimersByTimeAsync(0);
      expect(src.stats.returns).toBe(1);
    });

    it('clears its timer and rejects with signal.reason when aborted mid-batch', async () => {
      const controller = new AbortController();
      const leaks = leakCheck({ watch: [controller.signal] });
      const src = handFed<number>();
      const reason = new Error('stop');
      const running = from(src.iterable)
        .pipe(batch<number>({ size: 10, maxWaitMs: 1000 }))
        .toArray({ signal: controller.signal });
      src.push(1);
      await vi.advanceTimersByTimeAsync(10);
      expect(vi.getTimerCount()).toBe(1);
      controller.abort(reason);
      await expect(running).rejects.toBe(reason);
      expect(vi.getTimerCount()).toBe(0);
      src.push(2);
      vi.useRealTimers();
      await flushMacrotask();
      expect(src.stats.returns).toBe(1);
      expect(await leaks.finish()).toEqual(NO_LEAKS);
    });

    it('clears its timer when used outside sluice and its signal aborts', async () => {
      const controller = new AbortController();
      const src = handFed<number>();
      const it = batch<number>({ size: 10, maxWaitMs: 1000 })(src.iterable, { signal: controller.signal })[
        Symbol.asyncIterator
      ]();
      const first = it.next();
      src.push(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(vi.getTimerCount()).toBe(1);
      const reason = new Error('aborted outside');
      controller.abort(reason);
      await expect(first).rejects.toBe(reason);
      expect(vi.getTimerCount()).toBe(0);
      expect(src.stats.returns).toBe(1);
      await flushMacrotask();
    });
  });
});

describe('found in review: batch({ maxWaitMs })', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('regression: an upstream error arriving while the stage is parked after a timed flush is not an unhandled rejection', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const gate = deferred<void>();
    const boom = new Error('boom');
    async function* source() {
      yield 1;
      await gate.promise;
      throw boom;
    }
    const it = from(source())
      .pipe(batch<number>({ size: 10, maxWaitMs: 100 }))
      .iterate()
      [Symbol.asyncIterator]();
    const first = it.next();
    await vi.advanceTimersByTimeAsync(100);
    // The timed flush hands on [1]; the pull for item 2 stays in flight inside batch.
    expect(await first).toEqual({ done: false, value: [1] });
    const watch = watchUnhandled();
    // The consumer is busy (not pulling) when upstream fails.
    gate.resolve();
    const unhandled = await watch.stop();
    await expect(it.next()).rejects.toBe(boom);
    expect(unhandled).toEqual([]);
  });
});

describe('found in review: batch({ maxWaitMs }) latency', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('regression: does not make an item that arrived while the consumer was busy wait another maxWaitMs once the consumer pulls', async () => {
    // After a timed flush batch keeps the pull for the next item in flight. When that item arrives
    // while the consumer is busy, it sits in `pending` until the next pull; its wait is counted
    // from its arrival, so here item 2 (arrived 1000 ms ago, maxWaitMs 50) goes out at once.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const gate = deferred<void>();
    async function* source() {
      yield 1;
      await gate.promise;
      yield 2;
      await new Promise(() => undefined); // the next item never comes
    }
    const it = from(source())
      .pipe(batch<number>({ size: 10, maxWaitMs: 50 }))
      .iterate()
      [Symbol.asyncIterator]();
    const first = it.next();
    await vi.advanceTimersByTimeAsync(50);
    expect(await first).toEqual({ done: false, value: [1] });
    gate.resolve(); // item 2 arrives at t = 50 ms while the consumer works on [1]
    await vi.advanceTimersByTimeAsync(1000); // the consumer is busy for 1 s
    let second: IteratorResult<number[]> | undefined;
    void it.next().then((r) => (second = r));
    await vi.advanceTimersByTimeAsync(0);
    await realTick();
    expect(second).toEqual({ done: false, value: [2] });
    await vi.advanceTimersByTimeAsync(50);
    await it.return!();
  });
});
