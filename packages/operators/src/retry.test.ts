import { from } from '@sluice/core';
import {
  NO_LEAKS,
  conformance,
  deferred,
  flushMacrotask,
  leakCheck,
  liveAbortListenersAfter,
  trackedSource,
} from '@sluice/core/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { retry, type RetryContext } from './retry.js';

describe('retry', () => {
  for (const c of conformance('retry(fn)', () => retry(async (n: number) => n * 2), { input: [1, 2, 3] }))
    it(c.name, c.run);

  it('validates its options when called', () => {
    const fn = async (n: number) => n;
    expect(() => retry('nope' as never)).toThrow(/must be a function/);
    expect(() => retry(fn, { attempts: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE' }),
    );
    expect(() => retry(fn, { backoff: { factor: 0.5 } })).toThrow(/factor must be >= 1/);
    expect(() => retry(fn, { backoff: { initialMs: -1 } })).toThrow(/initialMs must be >= 0/);
    expect(() => retry(fn, { backoff: { maxMs: 2 ** 31 } })).toThrow(
      /maxMs must be at most 2147483647 ms \(about 24.8 days\), got 2147483648/,
    );
    expect(() => retry(fn, { backoff: { jitter: true } as never })).toThrow(/unknown option "jitter"/);
    expect(() => retry(fn, { retryIf: true as never })).toThrow(/retryIf must be a function/);
  });

  it('passes index and a 1-based attempt number, and gives up after attempts with the last error unchanged', async () => {
    const seen: [number, number][] = [];
    const errors: Error[] = [];
    const stage = retry(
      (n: number, { index, attempt }: RetryContext) => {
        seen.push([index, attempt]);
        if (n === 20) {
          const error = new Error(`attempt ${attempt}`);
          errors.push(error);
          throw error;
        }
        return n;
      },
      { attempts: 3, backoff: { initialMs: 0 } },
    );
    await expect(from([10, 20, 30]).pipe(stage).toArray()).rejects.toSatisfy((e) => e === errors[2]);
    expect(seen).toEqual([
      [0, 1],
      [1, 1],
      [1, 2],
      [1, 3],
    ]);
  });

  it('does not retry when retryIf says no, and tells retryIf about the item', async () => {
    const fatal = new Error('404');
    const retryIf = vi.fn(() => false);
    const stage = retry(
      async (_n: number) => {
        throw fatal;
      },
      { retryIf },
    );
    await expect(from([7]).pipe(stage).toArray()).rejects.toBe(fatal);
    expect(retryIf).toHaveBeenCalledTimes(1);
    expect(retryIf).toHaveBeenCalledWith(fatal, { item: 7, index: 0, attempt: 1 });
  });

  describe('with fake timers', () => {
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 0 });
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('caps the delay at maxMs', async () => {
      const calledAt: number[] = [];
      const stage = retry(
        async (_n: number, { attempt }: RetryContext) => {
          calledAt.push(Date.now());
          if (attempt < 4) throw new Error('again');
          return 'ok';
        },
        { attempts: 4, backoff: { initialMs: 100, factor: 10, maxMs: 500 } },
      );
      const running = from([1]).pipe(stage).toArray();
      await vi.advanceTimersByTimeAsync(2000);
      expect(await running).toEqual(['ok']);
      expect(calledAt).toEqual([0, 100, 600, 1100]);
    });

    it('settles promptly with signal.reason when aborted during the backoff, clearing the timer', async () => {
      const controller = new AbortController();
      const leaks = leakCheck({ watch: [controller.signal] });
      const failedOnce = deferred();
      let calls = 0;
      const source = trackedSource([1, 2]);
      const stage = retry(
        async () => {
          calls++;
          throw new Error('down');
        },
        {
          attempts: 5,
          backoff: { initialMs: 60_000 },
          retryIf: () => {
            failedOnce.resolve();
            return true;
          },
        },
      );
      const running = from(source).pipe(stage).toArray({ signal: controller.signal });
      await failedOnce.promise;
      expect(vi.getTimerCount()).toBe(1);
      const reason = new Error('deadline');
      controller.abort(reason);
      await expect(running).rejects.toBe(reason);
      expect(vi.getTimerCount()).toBe(0);
      expect(calls).toBe(1);
      expect(source.stats.closes).toBe(1);
      vi.useRealTimers();
      expect(await leaks.finish()).toEqual(NO_LEAKS);
    });

    it('rejects with signal.reason, without retrying, when fn fails because the signal aborted', async () => {
      const controller = new AbortController();
      const reason = new Error('cancelled');
      let calls = 0;
      const stage = retry(async (_n: number, { signal }: RetryContext) => {
        calls++;
        controller.abort(reason);
        throw new Error(`fetch failed: ${String(signal.aborted)}`);
      });
      const it = stage(trackedSource([1]), { signal: controller.signal })[Symbol.asyncIterator]();
      await expect(it.next()).rejects.toBe(reason);
      expect(calls).toBe(1);
      expect(vi.getTimerCount()).toBe(0);
      await flushMacrotask();
    });
  });
});

describe('retry and the run signal', () => {
  it('leaves no abort listener from its backoff sleeps once the retried calls succeeded', async () => {
    const failures = new Map<number, number>();
    const flaky = async (n: number) => {
      const failed = failures.get(n) ?? 0;
      failures.set(n, failed + 1);
      if (failed < 2) throw new Error(`flaky ${n}`);
      return n * 2;
    };
    const live = await liveAbortListenersAfter(async () => {
      expect(
        await from([1, 2])
          .pipe(retry(flaky, { attempts: 3, backoff: { initialMs: 1 } }))
          .toArray(),
      ).toEqual([2, 4]);
    });
    expect(live).toBe(0);
  });
});
