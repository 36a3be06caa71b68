import { setTimeout as realSetTimeout } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { from, fromResource, type Pipeline, type RunReport } from './index.js';
import { defineSyncStage } from './kit/index.js';
import { deferred, type Deferred } from './testing/index.js';

const CLEANUP_TIMEOUT = 50;

/** A fused stage that wants no more input after `count` items: it closes upstream from inside a pull. */
function stopAfter<T>(count: number) {
  return defineSyncStage<T, T>('stopAfter', () => {
    let left = count;
    return {
      push(batch, out) {
        for (const item of batch) {
          if (left === 0) break;
          out.push(item);
          left--;
        }
        return left > 0;
      },
    };
  });
}

/** A user stage that returns after `count` items: its for-await exit closes upstream. */
function takeByHand(count: number) {
  return async function* takeByHandStage<T>(source: AsyncIterable<T>) {
    let n = 0;
    for await (const item of source) {
      yield item;
      if (++n === count) return;
    }
  };
}

/** Fails the test instead of letting a hanging run time it out. */
async function settlesWithin<T>(promise: Promise<T>, ms = 5000): Promise<T> {
  const timedOut = Symbol('hung');
  const result = await Promise.race([promise, realSetTimeout(ms, timedOut, { ref: false })]);
  if (result === timedOut) throw new Error(`the run did not settle within ${ms} ms`);
  return result as T;
}

interface Case {
  readonly pipeline: (gate: Deferred<void>, log: string[]) => Pipeline<number>;
}

const resource = (read: (r: { n: number }) => unknown): Case => ({
  pipeline: (gate, log) =>
    fromResource({
      open: () => ({ n: 0 }),
      read: read as never,
      close: () => {
        log.push('close');
        return gate.promise;
      },
    }),
});

const sources: [string, Case][] = [
  ['a fromResource whose close never settles (read ends with [])', resource((r) => (r.n < 3 ? [r.n++] : []))],
  [
    'a fromResource whose close never settles (read returns last: true)',
    resource((r) => ({ items: [r.n++, r.n++, r.n++], last: true })),
  ],
  [
    'an async iterator whose return() never settles',
    {
      pipeline: (gate, log) =>
        from({
          [Symbol.asyncIterator]() {
            let n = 0;
            return {
              // Endless: an async source cuts its batch from what arrives before the loop turns,
              // and an iterator that ended inside that batch would never be returned.
              next: async () => ({ done: false, value: n++ }),
              return: () => {
                log.push('close');
                return gate.promise.then(() => ({ done: true, value: undefined }));
              },
            };
          },
        } as AsyncIterable<number>),
    },
  ],
];

describe('teardown never waits past cleanupTimeout for a close that never settles', () => {
  describe.each(sources)('%s', (name, { pipeline }) => {
    const endsByItself = !name.startsWith('an async iterator');

    async function check(
      start: (
        p: Pipeline<number>,
        options: { cleanupTimeout: number; onReport: (r: RunReport) => void },
      ) => Promise<unknown>,
    ) {
      const gate = deferred();
      const log: string[] = [];
      let report: RunReport | undefined;
      const outcome = await settlesWithin(
        start(pipeline(gate, log), { cleanupTimeout: CLEANUP_TIMEOUT, onReport: (r) => (report = r) }).then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        ),
      );
      expect(log).toEqual(['close']);
      expect(report!.pendingCleanups).toBe(1);
      let closed = false;
      void report!.closed.then(() => (closed = true));
      await realSetTimeout(1);
      expect(closed).toBe(false);
      gate.resolve();
      await settlesWithin(report!.closed);
      return outcome;
    }

    // An iterator's return() is not called at its end (as with for await): only the resources.
    if (endsByItself) {
      it('at the normal end', async () => {
        expect(await check((p, o) => p.toArray(o))).toEqual({ value: [0, 1, 2] });
      });
    }

    it('after a fused take(n)', async () => {
      expect(await check((p, o) => p.pipe(stopAfter(2)).toArray(o))).toEqual({ value: [0, 1] });
    });

    it('after a stage that returns early', async () => {
      expect(await check((p, o) => p.pipe(takeByHand(2)).toArray(o))).toEqual({ value: [0, 1] });
    });

    it('after a sink that takes the first item', async () => {
      const first = async (items: AsyncIterable<number>) => {
        for await (const item of items) return item;
        return undefined;
      };
      expect(await check((p, o) => p.to(first, o))).toEqual({ value: 0 });
    });

    it('after a stage error', async () => {
      const boom = new Error('boom');
      const failing = async function* failingStage(source: AsyncIterable<number>) {
        for await (const _ of source) throw boom;
        yield 0;
      };
      expect(await check((p, o) => p.pipe(failing).toArray(o))).toEqual({ error: boom });
    });

    it('after an abort', async () => {
      const controller = new AbortController();
      const reason = new Error('stop');
      const abortAtFirst = async function* abortAtFirstStage(source: AsyncIterable<number>) {
        for await (const n of source) {
          controller.abort(reason);
          yield n;
        }
      };
      expect(await check((p, o) => p.pipe(abortAtFirst).toArray({ ...o, signal: controller.signal }))).toEqual({
        error: reason,
      });
    });
  });
});
