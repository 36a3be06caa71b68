import { once } from 'node:events';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import type { StageContext } from '@sluice/core';
import { NO_LEAKS, abortListenerCount, deferred, leakCheck, trackedSource } from '@sluice/core/testing';
import { map } from '@sluice/operators';
import { compose } from './compose.js';
import { closeOf, collector, probe, readItems } from '../test-support/node-streams.js';

describe('compose: teardown', () => {
  it('tears every stage down on destroy() while the last stage waits for input, without emitting error', async () => {
    const log: string[] = [];
    const signals: AbortSignal[] = [];
    const errors: unknown[] = [];
    const d = compose(probe('a', log, signals), probe('b', log, signals));
    d.on('error', (e) => errors.push(e));
    const closed = closeOf(d);
    d.write(1);
    expect(await readItems(d, 1)).toEqual([1]);
    // The consumer is faster than the writer: both stages now wait for the next input.
    d.destroy();
    await closed;
    expect(log.sort()).toEqual(['a', 'b']);
    expect(errors).toEqual([]);
    expect(signals[0]!.aborted).toBe(true);
  });

  it('emits the error given to destroy(err) unchanged after tearing every stage down', async () => {
    const log: string[] = [];
    const d = compose(probe('a', log), probe('b', log));
    const failure = new Error('destroyed by the caller');
    const errored = once(d, 'error');
    const closed = closeOf(d);
    d.write(1);
    await readItems(d, 1);
    d.destroy(failure);
    const [error] = await errored;
    await closed;
    expect(error).toBe(failure);
    expect(log.sort()).toEqual(['a', 'b']);
  });

  it('tears every stage down and emits close when the consumer breaks out of for await', async () => {
    const log: string[] = [];
    const leaks = leakCheck();
    const d = compose(probe('a', log), probe('b', log));
    const closed = closeOf(d);
    let next = 0;
    d.write(next++);
    for await (const n of d) {
      if (n === 2) break;
      d.write(next++); // one item at a time: the chain waits for input whenever the consumer asks
    }
    await closed;
    expect(log.sort()).toEqual(['a', 'b']);
    expect(await leaks.finish()).toEqual(NO_LEAKS);
  });

  it('destroys itself with a stage error, unchanged, and stream.pipeline() rejects with it', async () => {
    const log: string[] = [];
    const failure = new Error('stage failed');
    const failing = async function* failing(source: AsyncIterable<number>) {
      for await (const n of source) {
        if (n === 3) throw failure;
        yield n;
      }
    };
    const source = trackedSource([1, 2, 3, 4, 5]);
    const d = compose(probe('a', log), failing, probe('b', log));
    const closed = closeOf(d);
    await expect(pipeline(Readable.from(source), d, collector().sink)).rejects.toBe(failure);
    await closed;
    expect(log.sort()).toEqual(['a', 'b']);
    expect(source.stats.closes).toBe(1);
  });

  it('is destroyed with ERR_STREAM_NULL_VALUES when a stage yields null instead of ending silently', async () => {
    const d = compose(map((n: number) => (n === 2 ? null : n)));
    const got: unknown[] = [];
    d.on('data', (n) => got.push(n));
    const errored = once(d, 'error');
    Readable.from([1, 2, 3]).pipe(d);
    expect((await errored)[0]).toMatchObject({ code: 'ERR_STREAM_NULL_VALUES' });
    expect(got).toEqual([1]);
  });

  it('is destroyed with signal.reason when its signal aborts, leaving no listener on the signal', async () => {
    const log: string[] = [];
    const controller = new AbortController();
    const reason = new Error('shutdown');
    const d = compose(probe('a', log), { signal: controller.signal });
    expect(abortListenerCount(controller.signal)).toBe(1);
    const errored = once(d, 'error');
    d.write(1);
    await readItems(d, 1);
    controller.abort(reason);
    expect((await errored)[0]).toBe(reason);
    expect(log).toEqual(['a']);
    expect(abortListenerCount(controller.signal)).toBe(0);
  });

  it('closes without starting any stage when destroyed before the first read', async () => {
    const log: string[] = [];
    const signals: AbortSignal[] = [];
    const d = compose(probe('a', log, signals));
    d.write(1);
    d.destroy();
    await closeOf(d);
    expect(signals).toEqual([]);
    expect(log).toEqual([]);
  });

  it('emits close on every path over 20 destroy() rounds with the last stage waiting, and leaks nothing', async () => {
    const leaks = leakCheck();
    for (let i = 0; i < 20; i++) {
      const log: string[] = [];
      const d = compose(probe('a', log), probe('b', log));
      d.write(i);
      await readItems(d, 1);
      d.destroy();
      await closeOf(d);
      expect(log).toHaveLength(2);
    }
    expect(await leaks.finish()).toEqual(NO_LEAKS);
  });

  it('tears down a stage blocked in an await that honours its signal', async () => {
    const started = deferred();
    const log: string[] = [];
    const blocked = async function* blocked(source: AsyncIterable<number>, { signal }: StageContext) {
      try {
        for await (const n of source) {
          started.resolve();
          await new Promise((_, reject) =>
            signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
          );
          yield n;
        }
      } finally {
        log.push('blocked');
      }
    };
    const d = compose(blocked);
    d.resume();
    d.write(1);
    await started.promise;
    d.destroy();
    await closeOf(d);
    expect(log).toEqual(['blocked']);
  });
});
