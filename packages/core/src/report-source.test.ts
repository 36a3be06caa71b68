import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { from, fromResource, type RunReport } from './index.js';
import { deferred } from './testing/index.js';

describe('report.source', () => {
  it('says when the source was closed when a read was in flight at the abort and the close followed it, before the run settled', async () => {
    const reading = deferred<void>();
    const controller = new AbortController();
    let closed = false;
    let report: RunReport | undefined;
    const running = fromResource({
      open: () => 'cursor',
      // A driver that takes a few turns of the event loop to give up a read once it is cancelled.
      read: (_cursor, { signal }) => {
        reading.resolve();
        return new Promise<number[]>((_, reject) => {
          signal.addEventListener(
            'abort',
            () =>
              void nextTurn()
                .then(nextTurn)
                .then(nextTurn)
                .then(() => reject(signal.reason)),
            { once: true },
          );
        });
      },
      close: () => {
        closed = true;
      },
    })
      .pipe(async function* sink(rows) {
        yield* rows;
      })
      .run({ signal: controller.signal, onReport: (r) => (report = r) });
    await reading.promise;
    controller.abort();
    await expect(running).rejects.toBe(controller.signal.reason);
    expect(closed).toBe(true);
    expect(report!.source.closedAtMs).not.toBeNull();
    expect(report!.pendingCleanups).toBe(0);
  });

  it('says when an async-iterable source was closed when its next() was in flight at the abort', async () => {
    const pulled = deferred<void>();
    const controller = new AbortController();
    let report: RunReport | undefined;
    let finished = false;
    const running = from(({ signal }) =>
      (async function* rows() {
        try {
          pulled.resolve();
          await new Promise((_, reject) =>
            signal.addEventListener(
              'abort',
              () =>
                void nextTurn()
                  .then(nextTurn)
                  .then(() => reject(signal.reason)),
              { once: true },
            ),
          );
          yield 1;
        } finally {
          finished = true;
        }
      })(),
    ).run({ signal: controller.signal, onReport: (r) => (report = r) });
    await pulled.promise;
    controller.abort();
    await expect(running).rejects.toBe(controller.signal.reason);
    expect(finished).toBe(true);
    expect(report!.source.closedAtMs).not.toBeNull();
  });

  // regression (review, f9b005a): a resource whose open() failed was reported as held.
  it('reports a resource whose open() failed as released, not held [4.3]', async () => {
    const failure = new Error('connect refused');
    let report: RunReport | undefined;
    await expect(
      fromResource({
        open: () => Promise.reject(failure),
        read: () => [1],
        close: () => undefined,
      }).run({ onReport: (r) => (report = r) }),
    ).rejects.toBe(failure);
    expect(report!.source.closedAtMs !== null || report!.source.openedAtMs === null).toBe(true);
  });
});
