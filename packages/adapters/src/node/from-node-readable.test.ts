import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NO_LEAKS, flushMacrotask, leakCheck, listenerCounts, liveAbortListenersAfter } from '@sluice/core/testing';
import { map, take } from '@sluice/operators';
import { fromNodeReadable } from './from-node-readable.js';
import { closeOf } from '../test-support/node-streams.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-from-node-readable-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const EVENTS = ['readable', 'end', 'close', 'error', 'data'] as const;
const NONE = { readable: 0, end: 0, close: 0, error: 0, data: 0 };

describe('fromNodeReadable', () => {
  it('reads a byte stream from a real file, whole and in order', async () => {
    const path = join(dir, 'bytes.bin');
    const content = Buffer.alloc(200_000, 'abcdefghij');
    await writeFile(path, content);
    const chunks = await fromNodeReadable<Buffer>(createReadStream(path, { highWaterMark: 4096 })).toArray();
    expect(chunks.length).toBeGreaterThan(1);
    expect(Buffer.concat(chunks).equals(content)).toBe(true);
  });

  it('reads an object-mode stream in batches of what is buffered and removes its listeners at the end', async () => {
    const items = Array.from({ length: 100 }, (_, i) => i);
    const readable = Readable.from(items, { highWaterMark: 16 });
    const out = await fromNodeReadable<number>(readable)
      .pipe(map((n: number) => n + 1))
      .toArray();
    expect(out).toEqual(items.map((n) => n + 1));
    expect(listenerCounts(readable, EVENTS)).toEqual(NONE);
  });

  it('adds no listener and reads nothing before the first pull', async () => {
    const readable = new PassThrough({ objectMode: true });
    const read = vi.spyOn(readable, 'read');
    const it = fromNodeReadable<number>(readable)[Symbol.asyncIterator]();
    await flushMacrotask();
    expect(listenerCounts(readable, EVENTS)).toEqual(NONE);
    expect(read).not.toHaveBeenCalled();
    readable.end(1);
    expect(await it.next()).toEqual({ done: false, value: 1 });
    await it.return?.();
  });

  it('destroys the readable exactly once, without an error, when the consumer stops early', async () => {
    const leaks = leakCheck();
    const readable = Readable.from([1, 2, 3, 4, 5, 6]);
    const destroy = vi.spyOn(readable, 'destroy');
    const closed = closeOf(readable);
    const out = await fromNodeReadable<number>(readable).pipe(take(2)).toArray();
    await closed;
    expect(out).toEqual([1, 2]);
    expect(destroy).toHaveBeenCalledTimes(1);
    expect(readable.errored).toBe(null);
    expect(await leaks.finish()).toEqual(NO_LEAKS);
  });

  it('destroys the readable at once when the run is aborted while waiting for data', async () => {
    const readable = new PassThrough({ objectMode: true });
    const controller = new AbortController();
    const reason = new Error('deadline');
    const closed = closeOf(readable);
    const running = fromNodeReadable(readable).toArray({ signal: controller.signal });
    await flushMacrotask();
    expect(listenerCounts(readable, ['readable'])).toEqual({ readable: 1 });
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    await closed; // no data ever arrived: only the abort can have destroyed it
    expect(readable.destroyed).toBe(true);
    expect(listenerCounts(readable, ['readable', 'error'])).toEqual({ readable: 0, error: 0 });
  });

  it('destroys the readable when a downstream stage fails, and rejects with that error', async () => {
    const readable = Readable.from([1, 2, 3, 4]);
    const failure = new Error('bad row');
    const closed = closeOf(readable);
    const failing = map((n: number) => {
      if (n === 2) throw failure;
      return n;
    });
    await expect(fromNodeReadable<number>(readable).pipe(failing).toArray()).rejects.toBe(failure);
    await closed;
    expect(readable.destroyed).toBe(true);
  });

  it('fails with the readable error unchanged', async () => {
    const failure = new Error('socket reset');
    const readable = new Readable({
      objectMode: true,
      read() {
        this.destroy(failure);
      },
    });
    const closed = closeOf(readable);
    await expect(fromNodeReadable(readable).toArray()).rejects.toBe(failure);
    await closed;
    expect(listenerCounts(readable, ['error'])).toEqual({ error: 0 });
  });

  it('fails with ERR_STREAM_PREMATURE_CLOSE for a readable destroyed before its end, before or during the run', async () => {
    const early = new PassThrough();
    early.destroy();
    await expect(fromNodeReadable(early).toArray()).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
    const late = new PassThrough({ objectMode: true });
    const running = fromNodeReadable(late).toArray();
    late.write(1);
    await flushMacrotask();
    late.destroy();
    await expect(running).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
  });

  it('leaves the readable open after an early exit with destroyOnReturn: false', async () => {
    const readable = new PassThrough({ objectMode: true });
    for (const n of [1, 2, 3]) readable.write(n);
    readable.end();
    const first = await fromNodeReadable<number>(readable, { destroyOnReturn: false }).pipe(take(1)).toArray();
    expect(first).toEqual([1]);
    expect(readable.destroyed).toBe(false);
    expect(await fromNodeReadable<number>(readable).toArray()).toEqual([2, 3]);
  });

  it('throws coded TypeErrors at call time for a non-readable or a bad option', () => {
    expect(() => fromNodeReadable({} as never)).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_SOURCE' }));
    expect(() => fromNodeReadable(new PassThrough(), { destroy: true } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }),
    );
  });
});

describe('fromNodeReadable and the run signal', () => {
  it('leaves no abort listener from the waits for data of a readable written to slowly', async () => {
    const live = await liveAbortListenersAfter(async () => {
      const input = new PassThrough({ objectMode: true });
      const reading = fromNodeReadable<number>(input).toArray();
      for (let i = 0; i < 5; i++) {
        await flushMacrotask();
        input.write(i);
      }
      input.end();
      expect(await reading).toEqual([0, 1, 2, 3, 4]);
    });
    expect(live).toBe(0);
  });
});
