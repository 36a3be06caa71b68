import { describe, expect, it, vi } from 'vitest';
import { from, fromResource } from './index.js';
import { cleanupRecorder as recorder, deferred, trackedSource, withoutUnhandledRejections } from './testing/index.js';

describe('cleanup errors (protocol 5.4)', () => {
  it('reports a fromResource close that throws while an abort arrives during the close', () =>
    withoutUnhandledRejections(async () => {
      const closing = new Error('close failed');
      const closeEntered = deferred<void>();
      const closeDone = deferred<void>();
      const controller = new AbortController();
      const close = vi.fn(async () => {
        closeEntered.resolve();
        await closeDone.promise;
        throw closing;
      });
      const rec = recorder();
      const running = fromResource({ open: () => 'cursor', read: () => [], close }).run({
        signal: controller.signal,
        ...rec.options,
      });
      await closeEntered.promise;
      controller.abort();
      closeDone.resolve();
      await expect(running).rejects.toBe(controller.signal.reason);
      await rec.report.closed;
      expect(close).toHaveBeenCalledTimes(1);
      expect(rec.hooked).toEqual([closing]);
      expect(rec.report.cleanupErrors).toEqual([closing]);
    }));

  it('reports a fromResource close that throws while an abort arrives during a read', () =>
    withoutUnhandledRejections(async () => {
      const closing = new Error('close failed');
      const reading = deferred<void>();
      const release = deferred<readonly number[]>();
      const controller = new AbortController();
      const rec = recorder();
      const running = fromResource({
        open: () => 'cursor',
        read: () => {
          reading.resolve();
          return release.promise;
        },
        close: () => {
          throw closing;
        },
      }).run({ signal: controller.signal, ...rec.options });
      await reading.promise;
      controller.abort();
      release.resolve([1]);
      await expect(running).rejects.toBe(controller.signal.reason);
      await rec.report.closed;
      expect(rec.hooked).toEqual([closing]);
      expect(rec.report.cleanupErrors).toEqual([closing]);
    }));

  it('reports a fromResource close that throws at the end of its data, after the items went downstream', () =>
    withoutUnhandledRejections(async () => {
      const closing = new Error('close failed at the end');
      const rec = recorder();
      const seen: number[] = [];
      const running = fromResource({
        open: () => 0,
        read: () => ({ items: [1, 2], last: true }),
        close: () => Promise.reject(closing),
      }).to(async (items) => {
        for await (const n of items) seen.push(n);
      }, rec.options);
      await expect(running).rejects.toBe(closing);
      expect(seen).toEqual([1, 2]);
      expect(rec.hooked).toEqual([closing]);
      expect(rec.report.cleanupErrors).toEqual([closing]);
    }));

  it("reports a throwing finally of a stage that honoured the signal, and keeps the signal's reason", () =>
    withoutUnhandledRejections(async () => {
      const closing = new Error('finally failed');
      const entered = deferred<void>();
      const controller = new AbortController();
      const rec = recorder();
      const cooperative = async function* cooperative(input: AsyncIterable<number>) {
        try {
          for await (const n of input) yield n;
        } finally {
          // eslint-disable-next-line no-unsafe-finally
          throw closing;
        }
      };
      // A source that answers only to the signal: the stage waits on it when the abort comes.
      const running = from(({ signal }) =>
        (async function* () {
          entered.resolve();
          await new Promise((_, reject) =>
            signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
          );
        })(),
      )
        .pipe(cooperative)
        .run({ signal: controller.signal, ...rec.options });
      await entered.promise;
      controller.abort();
      await expect(running).rejects.toBe(controller.signal.reason);
      await rec.report.closed;
      expect(rec.hooked).toEqual([closing]);
      expect(rec.report.cleanupErrors).toEqual([closing]);
    }));

  it('hands the cleanup errors of a pipeline run inside a stage to the outer run', () =>
    withoutUnhandledRejections(async () => {
      const closing = new Error('inner close failed');
      const failed = new Error('outer failed');
      const rec = recorder();
      const inner = fromResource({ open: () => 0, read: () => [1], close: () => Promise.reject(closing) });
      // The failure leaves the inner loop: for-await drops what the inner return() throws.
      const outer = from([1]).pipe(async function* (_input, { signal }) {
        for await (const item of inner.iterate({ signal })) if (item === 1) throw failed;
        yield 0;
      });
      await expect(outer.run(rec.options)).rejects.toBe(failed);
      expect(rec.hooked).toEqual([closing]);
      expect(rec.report.cleanupErrors).toEqual([closing]);
    }));

  it('passes a cleanup error that fails an otherwise successful run to onCleanupError too [5.4]', async () => {
    const closing = new Error('close failed');
    const onCleanupError = vi.fn();
    const source = trackedSource({ items: [1, 2, 3], closeError: closing });
    const running = from(source).to(
      async (items) => {
        for await (const n of items) if (n === 1) break;
      },
      { onCleanupError },
    );
    await expect(running).rejects.toBe(closing);
    expect(onCleanupError).toHaveBeenCalledWith(closing, 'TrackedSource');
  });
});
