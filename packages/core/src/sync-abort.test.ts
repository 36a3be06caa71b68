import { describe, expect, it } from 'vitest';
import { fromResource } from './index.js';
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
});
