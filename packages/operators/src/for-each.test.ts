import { describe, expect, it } from 'vitest';
import { from, type RunReport } from '@sluice/core';
import { deferred, flushMacrotask, trackedSource } from '@sluice/core/testing';
import { forEach } from './for-each.js';

describe('forEach', () => {
  it('awaits each promise fn returns before pulling or calling again', async () => {
    // One item per pull (batchSize: 1): the source reads nothing ahead, so `produced` shows where the stage stopped.
    const gate = deferred();
    const source = trackedSource([1, 2, 3]);
    const calls: number[] = [];
    const running = from(source, { batchSize: 1 }).to(
      forEach((n) => {
        calls.push(n);
        return n === 1 ? gate.promise : undefined;
      }),
    );
    await flushMacrotask();
    expect(calls).toEqual([1]);
    expect(source.stats.produced).toBe(1);
    gate.resolve();
    await running;
    expect(calls).toEqual([1, 2, 3]);
  });

  /** Five items from an async source that counts what it produced (`log`). */
  const sources: [string, (log: number[]) => AsyncIterable<number>][] = [
    [
      'an async generator',
      (log) =>
        (async function* numbers() {
          for (let i = 0; i < 5; i++) {
            log.push(i);
            yield i;
          }
        })(),
    ],
    [
      'its synchronous twin, an async iterator whose next() returns plain results',
      (log) => ({
        [Symbol.asyncIterator]() {
          let i = 0;
          return {
            next: () => {
              if (i >= 5) return { done: true, value: undefined } as never;
              log.push(i);
              return { done: false, value: i++ } as never;
            },
          };
        },
      }),
    ],
  ];

  describe.each(sources)('from %s', (_name, make) => {
    it('reads nothing ahead of the item being handled while fn returns promises', async () => {
      const log: number[] = [];
      const producedAtCall: number[] = [];
      await from(make(log)).to(
        forEach(async () => {
          producedAtCall.push(log.length);
          await flushMacrotask();
        }),
      );
      expect(producedAtCall).toEqual([1, 2, 3, 4, 5]);
    });

    it('takes the rest in batches once fn returns at once', async () => {
      const log: number[] = [];
      const producedAtCall: number[] = [];
      await from(make(log)).to(
        forEach(() => {
          producedAtCall.push(log.length);
        }),
      );
      // The first item alone (fn might wait), then the rest in one batch.
      expect(producedAtCall).toEqual([1, 5, 5, 5, 5]);
    });
  });

  it('counts the index across batches', async () => {
    const indexes: number[] = [];
    await from([9, 9, 9, 9, 9], { batchSize: 2 }).to(
      forEach((_n, { index }) => {
        indexes.push(index);
      }),
    );
    expect(indexes).toEqual([0, 1, 2, 3, 4]);
  });

  it('fails the run with the error fn throws, unchanged, and closes the source once', async () => {
    // One item per pull (batchSize: 1): the source reads nothing ahead, so `produced` shows where the stage stopped.
    const error = new Error('cannot write');
    const source = trackedSource([1, 2, 3, 4]);
    let report: RunReport | undefined;
    await expect(
      from(source, { batchSize: 1 }).to(
        forEach((n) => {
          if (n === 2) throw error;
        }),
        { onReport: (r) => (report = r) },
      ),
    ).rejects.toBe(error);
    expect(source.stats.closes).toBe(1);
    expect(source.stats.produced).toBe(2);
    expect(report?.outcome).toBe('failed');
  });

  it('fails the run with the rejection of a returned promise, unchanged', async () => {
    const error = new Error('async cannot write');
    const source = trackedSource([1, 2, 3]);
    await expect(
      from(source).to(
        forEach(async (n) => {
          if (n === 1) throw error;
        }),
      ),
    ).rejects.toBe(error);
    expect(source.stats.closes).toBe(1);
  });

  it('settles promptly with the caller reason while fn is stuck, and aborts the signal fn got', async () => {
    const controller = new AbortController();
    const reason = new Error('client left');
    const stuck = deferred<AbortSignal>();
    const source = trackedSource([1, 2]);
    const running = from(source).to(
      forEach((_n, { signal }) => {
        stuck.resolve(signal);
        return new Promise(() => undefined);
      }),
      { signal: controller.signal },
    );
    const signal = await stuck.promise;
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    expect(signal.reason).toBe(reason);
    expect(source.stats.closes).toBe(1);
  });

  it('works as a plain sink outside sluice', async () => {
    const source = trackedSource(['x', 'y']);
    const seen: string[] = [];
    await forEach<string>((s) => {
      seen.push(s);
    })(source, { signal: new AbortController().signal });
    expect(seen).toEqual(['x', 'y']);
    expect(source.stats.closes).toBe(1);
  });

  it('rejects a non-function when called, with a coded TypeError', () => {
    expect(() => forEach('log' as never)).toThrow(TypeError);
    expect(() => forEach('log' as never)).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_ARGUMENT' }));
  });
});
