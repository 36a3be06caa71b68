import { describe, expect, it } from 'vitest';
import { from, fromResource, type RunReport } from './index.js';
import { defineSyncStage } from './kit/index.js';
import { cleanupRecorder, deferred, withoutUnhandledRejections } from './testing/index.js';

describe('an abort that arrives synchronously from inside a pull', () => {
  it('does not close a resource during its own read, and closes it once the read settles', () =>
    withoutUnhandledRejections(async () => {
      const controller = new AbortController();
      const finishRead = deferred<number[]>();
      const log: string[] = [];
      const reading = deferred<void>();
      const running = fromResource({
        open: () => ({ reads: 0 }),
        read: (cursor: { reads: number }) => {
          // The first read answers at once; the second aborts the run from inside (a driver
          // callback under the caller's signal, say) and answers later.
          if (cursor.reads++ === 0) return [0];
          log.push('read');
          controller.abort();
          reading.resolve();
          return finishRead.promise.then((items) => (log.push('read done'), items));
        },
        close: () => void log.push('close'),
      }).run({ signal: controller.signal, cleanupTimeout: 1000 });
      await reading.promise;
      finishRead.resolve([1]);
      expect(await running.catch((error: unknown) => error)).toBe(controller.signal.reason);
      expect(log).toEqual(['read', 'read done', 'close']);
    }));

  it("reports the throwing finally of a stage whose input's read aborted the run", () =>
    withoutUnhandledRejections(async () => {
      const controller = new AbortController();
      const closing = new Error('finally failed');
      const rec = cleanupRecorder();
      const running = fromResource({
        open: () => ({ next: 0 }),
        read: async (cursor: { next: number }) => {
          if (cursor.next === 1) controller.abort();
          return cursor.next < 2 ? [cursor.next++] : [];
        },
        close: () => undefined,
      })
        .pipe(async function* cooperative(input) {
          try {
            yield* input;
          } finally {
            // eslint-disable-next-line no-unsafe-finally
            throw closing;
          }
        })
        .run({ signal: controller.signal, ...rec.options });
      expect(await running.catch((error: unknown) => error)).toBe(controller.signal.reason);
      await rec.report.closed;
      expect(rec.hooked).toEqual([closing]);
    }));

  it('returns an async iterator whose next() answers plain results and aborts the run, through fused stages', () =>
    withoutUnhandledRejections(async () => {
      const controller = new AbortController();
      let returned = 0;
      let pulls = 0;
      const source: AsyncIterable<number> = {
        [Symbol.asyncIterator]: () => ({
          next: () => {
            if (++pulls === 3) controller.abort();
            // Not a promise: `for await` accepts a plain result, and so does the runner.
            return { done: false, value: pulls } as unknown as Promise<IteratorResult<number>>;
          },
          return: () => {
            returned++;
            return { done: true, value: undefined } as unknown as Promise<IteratorResult<number>>;
          },
        }),
      };
      const same = defineSyncStage<number, number>('same', () => ({
        push(batch, out) {
          for (const n of batch) out.push(n);
          return true;
        },
      }));
      let report: RunReport | undefined;
      const running = from(source)
        .pipe(same)
        .run({ signal: controller.signal, onReport: (r) => (report = r) });
      expect(await running.catch((error: unknown) => error)).toBe(controller.signal.reason);
      await report!.closed;
      expect(returned).toBe(1);
    }));
});
