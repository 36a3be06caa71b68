import { from, isAbortError } from '@sluice/core';
import {
  NO_LEAKS,
  conformance,
  deferred,
  flushMacrotask,
  leakCheck,
  trackedSource,
  type Deferred,
} from '@sluice/core/testing';
import { describe, expect, it } from 'vitest';
import { mapConcurrent } from './map-concurrent.js';

/** A function whose calls the test settles by hand, recording what each call received. */
function controlled<T>() {
  const calls: { item: T; index: number; signal: AbortSignal; result: Deferred<string> }[] = [];
  let running = 0;
  let maxRunning = 0;
  const fn = (item: T, { signal, index }: { signal: AbortSignal; index: number }) => {
    const result = deferred<string>();
    calls.push({ item, index, signal, result });
    running++;
    maxRunning = Math.max(maxRunning, running);
    return result.promise.finally(() => running--);
  };
  return { fn, calls, max: () => maxRunning };
}

describe('mapConcurrent', () => {
  for (const ordered of [true, false]) {
    for (const c of conformance(
      `mapConcurrent(ordered: ${ordered})`,
      () => mapConcurrent(async (n: number) => n * 2, { concurrency: 3, ordered }),
      {
        input: [1, 2, 3, 4],
        maxPulledForFirst: 6,
      },
    )) {
      it(c.name, c.run);
    }
  }

  it('never runs more than concurrency calls at once and passes each call its index', async () => {
    const { fn, calls, max } = controlled<number>();
    const running = from(trackedSource([10, 11, 12, 13, 14, 15]))
      .pipe(mapConcurrent(fn, { concurrency: 2 }))
      .toArray();
    for (let settled = 0; settled < 6; settled++) {
      await flushMacrotask();
      calls[settled]!.result.resolve(`r${calls[settled]!.item}`);
    }
    expect(await running).toEqual(['r10', 'r11', 'r12', 'r13', 'r14', 'r15']);
    expect(max()).toBe(2);
    expect(calls.map((c) => c.index)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('keeps input order when later items finish first', async () => {
    const { fn, calls } = controlled<string>();
    const running = from(trackedSource(['a', 'b', 'c']))
      .pipe(mapConcurrent(fn, { concurrency: 3 }))
      .toArray();
    await flushMacrotask();
    calls[2]!.result.resolve('C');
    calls[1]!.result.resolve('B');
    await flushMacrotask();
    calls[0]!.result.resolve('A');
    expect(await running).toEqual(['A', 'B', 'C']);
  });

  it('emits in completion order when ordered is false', async () => {
    const { fn, calls } = controlled<string>();
    const running = from(trackedSource(['a', 'b', 'c']))
      .pipe(mapConcurrent(fn, { concurrency: 3, ordered: false }))
      .toArray();
    await flushMacrotask();
    calls[2]!.result.resolve('C');
    await flushMacrotask();
    calls[0]!.result.resolve('A');
    await flushMacrotask();
    calls[1]!.result.resolve('B');
    expect(await running).toEqual(['C', 'A', 'B']);
  });

  it('runs the calls behind a slow item while the window (2 × concurrency) has room, and pulls nothing past it', async () => {
    const { fn, calls, max } = controlled<number>();
    const source = trackedSource([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const running = from(source)
      .pipe(mapConcurrent(fn, { concurrency: 3 }))
      .toArray();
    await flushMacrotask();
    expect(calls).toHaveLength(3);
    calls[1]!.result.resolve('1');
    calls[2]!.result.resolve('2');
    await flushMacrotask();
    expect(calls.map((c) => c.item)).toEqual([0, 1, 2, 3, 4]);
    calls[3]!.result.resolve('3');
    calls[4]!.result.resolve('4');
    await flushMacrotask();
    calls[5]!.result.resolve('5');
    await flushMacrotask();
    // Item 0 is still held, with five results behind it: the window of 6 is full.
    expect(source.stats.produced).toBe(6);
    expect(calls).toHaveLength(6);
    calls[0]!.result.resolve('0');
    for (let settled = 6; settled < 10; settled++) {
      await flushMacrotask();
      calls[settled]!.result.resolve(String(settled));
    }
    expect(await running).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(max()).toBe(3);
  });

  it('takes a window of its own, never below the concurrency', async () => {
    const { fn, calls, max } = controlled<number>();
    const source = trackedSource([0, 1, 2, 3, 4, 5]);
    const running = from(source)
      .pipe(mapConcurrent(fn, { concurrency: 2, window: 4 }))
      .toArray();
    for (let settled = 1; settled < 4; settled++) {
      await flushMacrotask();
      calls[settled]!.result.resolve(String(settled));
    }
    await flushMacrotask();
    expect(source.stats.produced).toBe(4);
    expect(calls).toHaveLength(4);
    calls[0]!.result.resolve('0');
    await flushMacrotask();
    for (const call of calls.slice(4)) call.result.resolve(String(call.item));
    expect(await running).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(max()).toBe(2);
    expect(() => mapConcurrent(fn, { concurrency: 3, window: 2 })).toThrow(
      expect.objectContaining({
        name: 'RangeError',
        code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE',
        message: expect.stringMatching(/window must be an integer >= 3/),
      }),
    );
    expect(() => mapConcurrent(fn, { concurrency: 3, window: 'wide' as never })).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_SLUICE_INVALID_OPTION' }),
    );
  });

  it('bounds the unordered window too: finished results the consumer has not taken count', async () => {
    const source = trackedSource([1, 2, 3, 4, 5, 6, 7, 8]);
    const it = from(source)
      .pipe(mapConcurrent(async (n: number) => n, { concurrency: 2, ordered: false }))
      [Symbol.asyncIterator]();
    await it.next();
    await flushMacrotask();
    expect(source.stats.produced).toBe(4);
    await it.return?.();
    expect(source.stats.closes).toBe(1);
  });

  it('fails fast with the first error unchanged, aborts the calls in flight and leaves no unhandled rejection', async () => {
    const leaks = leakCheck();
    const { fn, calls } = controlled<number>();
    const source = trackedSource([1, 2, 3, 4]);
    const failure = new Error('item 2 failed');
    const running = from(source)
      .pipe(mapConcurrent(fn, { concurrency: 3 }))
      .toArray();
    await flushMacrotask();
    calls[1]!.result.reject(failure);
    await expect(running).rejects.toBe(failure);
    expect(calls[0]!.signal.aborted).toBe(true);
    expect(calls[2]!.signal.aborted).toBe(true);
    expect(isAbortError(calls[0]!.signal.reason)).toBe(true);
    calls[0]!.result.reject(new Error('late rejection of an aborted call'));
    calls[2]!.result.reject(new Error('another late rejection'));
    expect(source.stats.closes).toBe(1);
    expect(await leaks.finish()).toEqual(NO_LEAKS);
  });

  it('fails fast even when earlier results are still waiting for their turn', async () => {
    const { fn, calls } = controlled<number>();
    const failure = new Error('boom');
    const running = from(trackedSource([1, 2, 3]))
      .pipe(mapConcurrent(fn, { concurrency: 3 }))
      .toArray();
    await flushMacrotask();
    calls[2]!.result.reject(failure);
    await expect(running).rejects.toBe(failure);
    expect(calls[0]!.signal.aborted).toBe(true);
  });

  it('aborts the calls in flight and closes the source once when the consumer breaks early', async () => {
    const { fn, calls } = controlled<number>();
    const source = trackedSource([1, 2, 3, 4, 5]);
    const it = from(source)
      .pipe(mapConcurrent(fn, { concurrency: 3 }))
      [Symbol.asyncIterator]();
    const first = it.next();
    await flushMacrotask();
    calls[0]!.result.resolve('one');
    expect(await first).toEqual({ done: false, value: 'one' });
    await it.return?.();
    expect(calls[1]!.signal.aborted).toBe(true);
    expect(calls[2]!.signal.aborted).toBe(true);
    expect(source.stats.closes).toBe(1);
    expect(source.stats.returns).toBe(1);
  });

  it('aborts the calls in flight with signal.reason, settles promptly and leaves no listener', async () => {
    const controller = new AbortController();
    const leaks = leakCheck({ watch: [controller.signal] });
    const { fn, calls } = controlled<number>();
    const reason = new Error('client went away');
    const running = from(trackedSource([1, 2, 3]))
      .pipe(mapConcurrent(fn, { concurrency: 2 }))
      .toArray({ signal: controller.signal });
    await flushMacrotask();
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    expect(calls.map((c) => c.signal.reason)).toEqual([reason, reason]);
    expect(await leaks.finish()).toEqual(NO_LEAKS);
  });

  it('delivers a synchronous throw of fn unchanged', async () => {
    const failure = new Error('sync throw');
    const stage = mapConcurrent(
      (n: number) => {
        if (n === 2) throw failure;
        return n;
      },
      { concurrency: 2 },
    );
    await expect(from([1, 2, 3]).pipe(stage).toArray()).rejects.toBe(failure);
  });

  it('validates its options when called', () => {
    expect(() => mapConcurrent(async (n: number) => n, { concurrency: 0 })).toThrow(
      expect.objectContaining({ name: 'RangeError', code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE' }),
    );
    expect(() => mapConcurrent(async (n: number) => n, { concurrency: 1.5 })).toThrow(/integer/);
    expect(() => mapConcurrent(async (n: number) => n, { concurrency: 2, ordered: 'yes' as never })).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_SLUICE_INVALID_OPTION' }),
    );
    expect(() => mapConcurrent(async (n: number) => n, { concurrency: 2, order: true } as never)).toThrow(
      /unknown option "order"/,
    );
    expect(() => mapConcurrent('fn' as never, { concurrency: 2 })).toThrow(/must be a function/);
  });
});
