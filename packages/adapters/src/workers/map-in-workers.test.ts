import { createHash } from 'node:crypto';
import { from } from '@sluice/core';
import { abortListenerCount } from '@sluice/core/testing';
import { Piscina } from 'piscina';
import { describe, expect, it, onTestFinished } from 'vitest';
import { mapInWorkers } from './index.js';

const work = new URL('./fixtures/work.mjs', import.meta.url);
const sha = (n: number) => createHash('sha256').update(String(n)).digest('hex');

describe('mapInWorkers', () => {
  it('runs the module on every item in worker threads and keeps input order', async () => {
    const out = await from(Array.from({ length: 50 }, (_, n) => ({ n })))
      .pipe(mapInWorkers<{ n: number }, string>(work, { concurrency: 2 }))
      .toArray();
    expect(out).toEqual(Array.from({ length: 50 }, (_, n) => sha(n)));
  });

  it('stops running and queued tasks when the run is aborted, and the shared pool stays usable', async () => {
    // Its own pool: the threads it replaces after the abort must not outlive the test.
    const shared = new Piscina({ filename: work.href, minThreads: 2, maxThreads: 2 });
    onTestFinished(() => shared.destroy());
    const controller = new AbortController();
    const run = from(Array.from({ length: 10 }, () => ({ kind: 'spin' })))
      .pipe(mapInWorkers(work, { concurrency: 4, pool: shared }))
      .toArray({ signal: controller.signal });
    // Both threads are spinning on a task and two more are queued.
    for (let i = 0; i < 500 && shared.queueSize < 2; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(shared.queueSize).toBe(2);
    const started = performance.now();
    controller.abort(new Error('stop'));
    await expect(run).rejects.toThrow('stop');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(abortListenerCount(controller.signal)).toBe(0);
    expect(shared.queueSize).toBe(0);
    // The spinning threads were terminated and replaced: the pool serves the next run.
    expect(
      await from([{ n: 7 }])
        .pipe(mapInWorkers(work, { pool: shared }))
        .toArray(),
    ).toEqual([sha(7)]);
  });

  it('destroys the pool it made when the run ends, aborted or not, leaving no thread behind', async () => {
    const before = process.getActiveResourcesInfo();
    await from([{ n: 1 }, { n: 2 }])
      .pipe(mapInWorkers(work, { concurrency: 2 }))
      .toArray();
    const controller = new AbortController();
    let closed: Promise<void> | undefined;
    const run = from([{ kind: 'spin' }])
      .pipe(mapInWorkers(work))
      .toArray({ signal: controller.signal, onReport: (report) => void (closed = report.closed) });
    setImmediate(() => controller.abort(new Error('stop')));
    await expect(run).rejects.toThrow('stop');
    // The run settles at once; the pool's destruction is its tracked late cleanup.
    await closed;
    expect(process.getActiveResourcesInfo().filter((r) => r !== 'Timeout')).toEqual(
      before.filter((r) => r !== 'Timeout'),
    );
  });

  it('fails the run with the error thrown in the worker', async () => {
    await expect(
      from([{ n: 1 }, { kind: 'throw', n: 2 }, { n: 3 }])
        .pipe(mapInWorkers(work, { concurrency: 2 }))
        .toArray(),
    ).rejects.toThrow('bad item 2');
  });

  it('moves the buffers named by transfer instead of copying them', async () => {
    const bytes = new Uint8Array(64 * 1024).fill(7);
    const [length] = await from([{ kind: 'gzip', bytes }])
      .pipe(
        mapInWorkers<{ kind: string; bytes: Uint8Array }, number>(work, {
          transfer: (t) => [t.bytes.buffer as ArrayBuffer],
        }),
      )
      .toArray();
    expect(length).toBeGreaterThan(0);
    expect(bytes.byteLength).toBe(0);
  });

  it('rejects bad arguments with coded errors', () => {
    expect(() => mapInWorkers(42 as never)).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_ARGUMENT' }));
    expect(() => mapInWorkers(work, { concurrency: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE' }),
    );
    expect(() => mapInWorkers(work, { pool: {} as never })).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }),
    );
    expect(() => mapInWorkers(work, { threads: 2 } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }),
    );
  });
});
