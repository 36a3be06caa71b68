import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { from } from '@sluice/core';
import {
  NO_LEAKS,
  deferred,
  flushMacrotask,
  leakCheck,
  listenerCounts,
  slowWritable,
  trackedSource,
} from '@sluice/core/testing';
import { isDestinationClosed } from '../internal/errors.js';
import { toNodeWritable } from './to-node-writable.js';
import { closeOf } from '../test-support/node-streams.js';

const EVENTS = ['drain', 'close', 'finish', 'error'] as const;

describe('toNodeWritable', () => {
  it('never lets a slow writable with highWaterMark 2 buffer more than 3 items, and waits for drain', async () => {
    const sink = slowWritable({ highWaterMark: 2, objectMode: true });
    const items = Array.from({ length: 100 }, (_, i) => i);
    await from(items).to(toNodeWritable(sink));
    expect(sink.maxBuffered).toBeLessThanOrEqual(3);
    expect(sink.drains).toBeGreaterThan(0);
    expect(sink.chunks).toEqual(items);
    expect(listenerCounts(sink, EVENTS)).toEqual({ drain: 1, close: 0, finish: 0, error: 0 }); // drain: the kit's counter
  });

  // The executed example writes two lines on Node 20 only; this is the real file stream on every line.
  it('fills a file stream through many drains, ends it and leaves no listener on it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-to-node-writable-'));
    try {
      const file = createWriteStream(join(dir, 'out.csv'), { highWaterMark: 64 });
      let drains = 0;
      file.on('drain', () => drains++);
      const rows = Array.from({ length: 500 }, (_, i) => `${i},row ${i}\n`);
      await from(rows, { batchSize: 10 }).to(toNodeWritable(file));
      expect(await readFile(join(dir, 'out.csv'), 'utf8')).toBe(rows.join(''));
      expect(file.writableFinished).toBe(true);
      expect(drains).toBeGreaterThan(10);
      expect(listenerCounts(file, EVENTS)).toEqual({ drain: 1, close: 0, finish: 0, error: 0 }); // drain: ours
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('holds the same bound when the source hands out one item per pull', async () => {
    const sink = slowWritable({ highWaterMark: 2, pace: 1 });
    await from(trackedSource(Array.from({ length: 30 }, (_, i) => i))).to(toNodeWritable(sink));
    expect(sink.maxBuffered).toBeLessThanOrEqual(3);
    expect(sink.chunks).toHaveLength(30);
  });

  it('fails with DestinationClosedError and closes the source when someone else ends the writable', async () => {
    const sink = slowWritable({ highWaterMark: 2 });
    const source = trackedSource({ items: [1, 2, 3], hangAt: 3 });
    const running = from(source).to(toNodeWritable(sink));
    await source.hanging.promise; // the source is blocked: only the foreign end() can wake the run
    sink.end();
    const error = await running.catch((e: unknown) => e);
    expect(isDestinationClosed(error)).toBe(true);
    source.release();
    await source.closed.promise;
    expect(source.stats.closes).toBe(1);
  });

  it('fails with DestinationClosedError and closes the source when someone else destroys the writable', async () => {
    const sink = slowWritable({ highWaterMark: 2 });
    const source = trackedSource({ items: [1, 2, 3], hangAt: 3 });
    const running = from(source).to(toNodeWritable(sink));
    await source.hanging.promise;
    sink.destroy();
    await expect(running).rejects.toSatisfy(isDestinationClosed);
    source.release();
    await source.closed.promise;
    expect(source.stats.closes).toBe(1);
  });

  it('fails with the error a writable was destroyed with while the run waited for drain', async () => {
    const gate = deferred();
    const sink = slowWritable({ highWaterMark: 1, pace: () => gate.promise });
    const failure = new Error('disk full');
    const source = trackedSource([1, 2, 3, 4]);
    const running = from(source).to(toNodeWritable(sink));
    await flushMacrotask();
    expect(sink.writableNeedDrain).toBe(true);
    sink.destroy(failure);
    await expect(running).rejects.toBe(failure);
    expect(source.stats.closes).toBe(1);
  });

  it('never opens the source when the writable is already destroyed', async () => {
    const sink = new PassThrough();
    sink.destroy();
    const source = trackedSource([1, 2, 3]);
    await expect(from(source).to(toNodeWritable(sink))).rejects.toSatisfy(isDestinationClosed);
    expect(source.stats.opens).toBe(0);
  });

  it('never calls a source function when the writable already ended', async () => {
    const sink = new PassThrough();
    sink.end();
    let calls = 0;
    const run = from(() => {
      calls++;
      return [1];
    }).to(toNodeWritable(sink));
    await expect(run).rejects.toSatisfy(isDestinationClosed);
    expect(calls).toBe(0);
  });

  it('destroys the writable with the source error, unchanged, without an uncaught error event', async () => {
    const leaks = leakCheck();
    const sink = slowWritable();
    const failure = new Error('source failed');
    const closed = closeOf(sink);
    await expect(
      from(trackedSource({ items: [1, 2], throwAt: { index: 1, error: failure } })).to(toNodeWritable(sink)),
    ).rejects.toBe(failure);
    await closed;
    expect(sink.destroyed).toBe(true);
    expect(sink.errored).toBe(failure);
    expect(listenerCounts(sink, ['close', 'finish', 'error'])).toEqual({ close: 0, finish: 0, error: 0 });
    expect(await leaks.finish()).toEqual(NO_LEAKS);
  });

  it('destroys the writable with signal.reason on abort while waiting for drain', async () => {
    const sink = slowWritable({ highWaterMark: 1, pace: () => new Promise(() => {}) });
    const controller = new AbortController();
    const reason = new Error('deadline');
    const closed = closeOf(sink);
    const running = from([1, 2, 3]).to(toNodeWritable(sink), { signal: controller.signal });
    await flushMacrotask();
    expect(sink.writableNeedDrain).toBe(true);
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    await closed;
    expect(sink.errored).toBe(reason);
  });

  it('leaves the writable open on failure with destroyOnFailure: false and on success with end: false', async () => {
    const kept = new PassThrough({ objectMode: true });
    const failure = new Error('nope');
    await expect(
      from(trackedSource({ items: [1], throwAt: { index: 1, error: failure } })).to(
        toNodeWritable(kept, { destroyOnFailure: false }),
      ),
    ).rejects.toBe(failure);
    expect(kept.destroyed).toBe(false);
    await from([2, 3]).to(toNodeWritable(kept, { end: false }));
    expect(kept.writableEnded).toBe(false);
    expect(listenerCounts(kept, ['close', 'finish', 'error', 'drain'])).toEqual({
      close: 0,
      finish: 0,
      error: 0,
      drain: 0,
    });
    expect(kept.read()).toBe(1);
  });

  it('writes a batch through writev in one go', async () => {
    const writes: number[] = [];
    const sink = new Writable({
      objectMode: true,
      highWaterMark: 100,
      writev(chunks, cb) {
        writes.push(chunks.length);
        cb();
      },
    });
    await from([1, 2, 3, 4, 5]).to(toNodeWritable(sink));
    expect(writes).toEqual([5]);
  });

  it("works as the sink of Node's stream.pipeline()", async () => {
    const sink = slowWritable({ highWaterMark: 2 });
    await (pipeline as (...streams: unknown[]) => Promise<void>)(trackedSource([1, 2, 3]), toNodeWritable(sink));
    expect(sink.chunks).toEqual([1, 2, 3]);
  });

  it('throws a coded TypeError at call time for something that is not a writable, or a bad option', () => {
    expect(() => toNodeWritable({} as never)).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_ARGUMENT' }));
    expect(() => toNodeWritable(new PassThrough(), { end: 'yes' } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }),
    );
    expect(() => toNodeWritable(new PassThrough(), { destroy: true } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }),
    );
  });

  it('leaves no listener behind over 20 runs into one long-lived writable', async () => {
    const sink = new PassThrough({ objectMode: true });
    sink.resume();
    const before = listenerCounts(sink, EVENTS);
    for (let i = 0; i < 20; i++) await from([i, i + 1]).to(toNodeWritable(sink, { end: false }));
    expect(listenerCounts(sink, EVENTS)).toEqual(before);
  });
});
