import { from } from '@sluice/core';
import { NO_LEAKS, conformance, flushMacrotask, leakCheck, trackedSource } from '@sluice/core/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { throttle } from './throttle.js';

describe('throttle', () => {
  for (const c of conformance(
    'throttle({ limit: 100, intervalMs: 1000 })',
    () => throttle<number>({ limit: 100, intervalMs: 1000 }),
    {
      input: [1, 2, 3, 4],
    },
  )) {
    it(c.name, c.run);
  }

  it('validates its options when called', () => {
    expect(() => throttle({ limit: 0, intervalMs: 10 })).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE' }),
    );
    expect(() => throttle({ limit: 1, intervalMs: 0 })).toThrow(/intervalMs must be > 0/);
    expect(() => throttle({ limit: 1, intervalMs: Infinity })).toThrow(
      /intervalMs must be at most 2147483647 ms \(about 24.8 days\), got Infinity/,
    );
    expect(() => throttle({ limit: 1, intervalMs: 2 ** 31 })).toThrow(
      /intervalMs must be at most 2147483647 ms \(about 24.8 days\), got 2147483648/,
    );
    expect(() => throttle({ limit: 1 } as never)).toThrow(expect.objectContaining({ name: 'TypeError' }));
    expect(() => throttle({ limit: 1, intervalMs: 5, burst: 2 } as never)).toThrow(/unknown option "burst"/);
  });

  describe('with fake timers', () => {
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 0 });
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('uses a sliding window: a slot frees exactly intervalMs after the item that took it', async () => {
      const source = trackedSource([1, 2, 3, 4]);
      const it = from(source)
        .pipe(throttle({ limit: 2, intervalMs: 100 }))
        .iterate();
      const times: number[] = [];
      await it.next();
      times.push(Date.now());
      await vi.advanceTimersByTimeAsync(40);
      await it.next();
      times.push(Date.now());
      const third = it.next();
      await vi.advanceTimersByTimeAsync(59);
      expect(source.stats.produced).toBe(2);
      await vi.advanceTimersByTimeAsync(1);
      await third;
      times.push(Date.now());
      const fourth = it.next();
      await vi.advanceTimersByTimeAsync(40);
      await fourth;
      times.push(Date.now());
      expect(times).toEqual([0, 40, 100, 140]);
      await it.return?.();
    });

    it('clears its timer and rejects with signal.reason when aborted during a wait', async () => {
      const controller = new AbortController();
      const leaks = leakCheck({ watch: [controller.signal] });
      const source = trackedSource([1, 2, 3]);
      const reason = new Error('stop waiting');
      const running = from(source)
        .pipe(throttle({ limit: 1, intervalMs: 60_000 }))
        .toArray({ signal: controller.signal });
      await vi.advanceTimersByTimeAsync(0);
      expect(vi.getTimerCount()).toBe(1);
      controller.abort(reason);
      await expect(running).rejects.toBe(reason);
      expect(vi.getTimerCount()).toBe(0);
      expect(source.stats.produced).toBe(1);
      expect(source.stats.closes).toBe(1);
      vi.useRealTimers();
      expect(await leaks.finish()).toEqual(NO_LEAKS);
    });

    it('leaves no timer behind when the consumer breaks early', async () => {
      const source = trackedSource([1, 2, 3, 4]);
      const got: number[] = [];
      const consuming = (async () => {
        for await (const n of from(source).pipe(throttle({ limit: 1, intervalMs: 10 }))) {
          got.push(n);
          if (n === 2) break;
        }
      })();
      await vi.advanceTimersByTimeAsync(10);
      await consuming;
      expect(got).toEqual([1, 2]);
      expect(vi.getTimerCount()).toBe(0);
      expect(source.stats.closes).toBe(1);
      await flushMacrotask();
    });
  });
});
