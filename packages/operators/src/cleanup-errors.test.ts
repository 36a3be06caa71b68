import { from, type Stage } from '@sluice/core';
import { cleanupRecorder as recorder, deferred, withoutUnhandledRejections } from '@sluice/core/testing';
import { describe, expect, it } from 'vitest';
import { buffer } from './buffer.js';
import { mapConcurrent } from './map-concurrent.js';
import { merge } from './merge.js';
import { tee } from './tee.js';

/** An input whose first item arrives, then waits; its return() throws `closing`. */
function closeFails(closing: Error) {
  const pulled = deferred<void>();
  let nexts = 0;
  const input: AsyncIterableIterator<number> = {
    [Symbol.asyncIterator]: () => input,
    next: () =>
      nexts++ === 0 ? Promise.resolve({ done: false, value: 100 }) : (pulled.resolve(), new Promise(() => {})),
    return: () => Promise.reject(closing),
  };
  return { input, pulled };
}

describe('cleanup errors of the operators that close inputs themselves (protocol 5.4)', () => {
  for (const [what, asLane] of [
    ['a lane', (input: AsyncIterable<number>) => input],
    ['a pipeline merged in (its own run hands them to the outer run)', (input: AsyncIterable<number>) => from(input)],
  ] as const) {
    it(`reports an error closing ${what} when merge fails, and keeps the first error`, () =>
      withoutUnhandledRejections(async () => {
        const closing = new Error('lane close failed');
        const failed = new Error('upstream failed');
        const lane = closeFails(closing);
        const rec = recorder();
        const running = from(
          (async function* () {
            await lane.pulled.promise;
            throw failed;
          })(),
        )
          .pipe(merge(asLane(lane.input)))
          .run(rec.options);
        await expect(running).rejects.toBe(failed);
        expect(rec.hooked).toEqual([closing]);
        expect(rec.report.cleanupErrors).toEqual([closing]);
      }));
  }

  it('reports an error closing a lane when the run is aborted', () =>
    withoutUnhandledRejections(async () => {
      const closing = new Error('lane close failed');
      const lane = closeFails(closing);
      const controller = new AbortController();
      const rec = recorder();
      const running = from([1])
        .pipe(merge(lane.input))
        .run({ signal: controller.signal, ...rec.options });
      await lane.pulled.promise;
      controller.abort();
      await expect(running).rejects.toBe(controller.signal.reason);
      expect(rec.hooked).toEqual([closing]);
    }));

  it("reports an error closing tee's source when the run's signal aborts it", () =>
    withoutUnhandledRejections(async () => {
      const closing = new Error('tee source close failed');
      const source = closeFails(closing);
      const controller = new AbortController();
      const rec = recorder();
      const teeing: Stage<number, number> = async function* teeing(_input, { signal }) {
        const [a] = tee<number>(1, { signal })(source.input);
        yield* a!;
      };
      const running = from([0])
        .pipe(teeing)
        .run({ signal: controller.signal, ...rec.options });
      await source.pulled.promise;
      controller.abort();
      await expect(running).rejects.toBe(controller.signal.reason);
      expect(rec.hooked).toEqual([closing]);
    }));

  for (const [name, stage] of [
    ['buffer', () => buffer<number>(4)],
    ['mapConcurrent', () => mapConcurrent(async (n: number) => n, { concurrency: 2 })],
  ] as const) {
    it(`reports an error closing the input of ${name} when the run is aborted`, () =>
      withoutUnhandledRejections(async () => {
        const closing = new Error(`${name} input close failed`);
        const source = closeFails(closing);
        const controller = new AbortController();
        const rec = recorder();
        const running = from(source.input)
          .pipe(stage())
          .run({ signal: controller.signal, ...rec.options });
        await source.pulled.promise;
        controller.abort();
        await expect(running).rejects.toBe(controller.signal.reason);
        await rec.report.closed;
        expect(rec.hooked).toEqual([closing]);
      }));
  }
});
