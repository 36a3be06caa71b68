import { setTimeout as realSetTimeout } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { fromResource, type RunReport } from './index.js';
import { deferred, leakCheck, NO_LEAKS, withoutUnhandledRejections } from './testing/index.js';

const CLEANUP_TIMEOUT = 20;
const readFailed = new Error('read failed after the abort');

/** What a read that ignored the abort hands back once the run is gone. */
const answers: [string, () => unknown][] = [
  ['its last batch ({ items, last: true })', () => ({ items: [1, 2], last: true })],
  ['an empty batch (the end)', () => []],
  ['a batch of items', () => [1, 2]],
  ['an error', () => Promise.reject(readFailed)],
];

/** Whether `promise` is still pending `ms` of real time later (a negative check needs time; the timer is unref'd). */
async function stillPendingAfter(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const pending = Symbol('pending');
  return (await Promise.race([promise, realSetTimeout(ms, pending, { ref: false })])) === pending;
}

describe('a read that answers after its run was torn down', () => {
  for (const [what, answer] of answers) {
    for (const timing of ['later (the read ignored the abort)', 'at once, after aborting the run itself'] as const) {
      it(`closes the resource once, tracked in report.closed, and leaves no timer, when it returns ${what} ${timing}`, () =>
        withoutUnhandledRejections(async () => {
          const controller = new AbortController();
          const reading = deferred<void>();
          const late = deferred<void>();
          const closeGate = deferred<void>();
          let closes = 0;
          let report: RunReport | undefined;
          const running = fromResource({
            open: () => 'cursor',
            read: () => {
              reading.resolve();
              if (timing === 'later (the read ignored the abort)') return late.promise.then(answer) as never;
              controller.abort();
              return answer() as never;
            },
            close: () => {
              closes++;
              return closeGate.promise;
            },
          }).run({
            signal: controller.signal,
            cleanupTimeout: CLEANUP_TIMEOUT,
            onCleanupError: () => undefined,
            onReport: (r) => (report = r),
          });
          await reading.promise;
          controller.abort();
          await expect(running).rejects.toBe(controller.signal.reason);
          // The run has settled; now the read answers (the synchronous one already has).
          const leaks = leakCheck();
          late.resolve();
          expect(await leaks.finish()).toEqual(NO_LEAKS);
          expect(closes).toBe(1);
          // The close is still going: report.closed must wait for it, well past cleanupTimeout.
          expect(await stillPendingAfter(report!.closed, 3 * CLEANUP_TIMEOUT)).toBe(true);
          closeGate.resolve();
          await report!.closed;
          expect(closes).toBe(1);
        }));
    }
  }
});
