import { Buffer } from 'node:buffer';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { from } from '@sluice/core';
import { defineBatchStage } from '@sluice/core/kit';
import { NO_LEAKS, conformance, deferred, flushMacrotask, leakCheck, trackedSource } from '@sluice/core/testing';
import { gunzip } from './gunzip.js';
import { gzip } from './gzip.js';
import { cut, cuts } from './test-support/text-arbitraries.js';
import { released, spyOnZlib } from './test-support/zlib-spy.js';

const KiB = 1024;
const packed = zlib.gzipSync('hello world\n'.repeat(20));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('gunzip', () => {
  // Each item is a whole gzip member, so any prefix of the input is valid on its own. Node's
  // pipeline() writes items one by one and zlib then cuts its output differently: the bytes are
  // compared in the test below instead of the chunk arrays.
  const members = ['a,1\n', 'b,2\n', 'c,3\n'].map((text) => zlib.gzipSync(text));
  for (const c of conformance('gunzip()', () => gunzip(), { input: members, skipNodePipeline: true })) {
    it(c.name, c.run);
  }

  it("gives the same bytes as a plain stage inside Node's stream.pipeline()", async () => {
    const got: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        got.push(chunk);
        callback();
      },
    });
    const source = trackedSource(cut(packed, [10, 20, 40]));
    await (pipeline as (...streams: unknown[]) => Promise<void>)(source, gunzip(), sink);
    expect(Buffer.concat(got)).toEqual(zlib.gunzipSync(packed));
    expect(source.stats.closes).toBe(1);
  });

  it('decompresses concatenated gzip members as one stream', async () => {
    const parts = await from([zlib.gzipSync('one\n'), zlib.gzipSync('two\n')])
      .pipe(gunzip())
      .toArray();
    expect(Buffer.concat(parts).toString()).toBe('one\ntwo\n');
  });

  it('gives no output and no error for an input without a single byte', async () => {
    expect(
      await from([new Uint8Array(0)])
        .pipe(gunzip())
        .toArray(),
    ).toEqual([]);
  });

  it("rejects corrupt input with zlib's own Z_DATA_ERROR, passed through unchanged", async () => {
    const records = spyOnZlib('createGunzip');
    const emitted = deferred<unknown>();
    const run = from([Buffer.from('this is not gzip')])
      .pipe(gunzip())
      .toArray();
    records[0]?.stream.once('error', (error) => emitted.resolve(error));
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: 'Z_DATA_ERROR',
      errno: zlib.constants.Z_DATA_ERROR,
      message: 'incorrect header check',
    });
    expect(error).toBe(await emitted.promise);
    expect(await released(records[0]!.stream)).toBe(true);
  });

  it('rejects input truncated anywhere inside a member, never returning shortened output', async () => {
    const whole = zlib.gzipSync(randomBytes(3000));
    for (const end of [1, 9, 10, 11, 100, whole.length - 8, whole.length - 1]) {
      const run = from([whole.subarray(0, end)])
        .pipe(gunzip())
        .toArray();
      await expect(run, `cut at ${end}`).rejects.toMatchObject({
        code: 'Z_BUF_ERROR',
        message: 'unexpected end of file',
      });
    }
  });

  it('rejects strings with a coded TypeError', async () => {
    await expect(
      from(['H4sI'] as never[])
        .pipe(gunzip())
        .toArray(),
    ).rejects.toMatchObject({
      name: 'TypeError',
      code: 'ERR_SLUICE_INVALID_ARGUMENT',
      message: expect.stringContaining('gunzip() expects Uint8Array chunks (compressed bytes), got string'),
    });
  });

  it('delivers the output of a chunk before pulling the next one', async () => {
    const text = Array.from({ length: 2000 }, (_, i) => `line ${i} ${Math.sin(i)}\n`).join('');
    const whole = zlib.gzipSync(text, { level: 1 });
    const more = deferred();
    async function* slowNetwork() {
      yield whole.subarray(0, whole.length >> 1);
      await more.promise;
      yield whole.subarray(whole.length >> 1);
    }
    const it = from(slowNetwork).pipe(gunzip())[Symbol.asyncIterator]();
    // Resolves only if gunzip delivers the first chunk's output without waiting for the second.
    const first = await it.next();
    expect(first.done).toBe(false);
    expect(first.value!.toString().startsWith('line 0 0\nline 1 ')).toBe(true);
    more.resolve();
    await it.return?.();
  });

  it('coalesces the chunks of one batch into chunkSize writes', async () => {
    const records = spyOnZlib('createGunzip');
    const whole = zlib.gzipSync(randomBytes(10_000));
    const parts = await from(
      cut(
        whole,
        Array.from({ length: 99 }, (_, i) => (i + 1) * 100),
      ),
      { batchSize: 50 },
    )
      .pipe(gunzip({ chunkSize: 1000 }))
      .toArray();
    expect(Buffer.concat(parts)).toEqual(zlib.gunzipSync(whole));
    const writes = records[0]!.writes;
    expect(writes.reduce((a, b) => a + b, 0)).toBe(whole.length);
    expect(writes.length).toBeLessThanOrEqual(14);
    expect(writes.filter((size) => size < 1000).length).toBeLessThanOrEqual(3);
    expect(records[0]!.maxInFlight).toBe(1);
  });

  it('passes zlib settings to zlib.createGunzip', async () => {
    const records = spyOnZlib('createGunzip');
    const input = zlib.gzipSync(Buffer.alloc(10_000, 1), { windowBits: 9 });
    const parts = await from([input])
      .pipe(gunzip({ zlib: { windowBits: 9, chunkSize: 1024 } }))
      .toArray();
    expect(records[0]!.options).toEqual({ windowBits: 9, chunkSize: 1024 });
    expect(parts.length).toBeGreaterThanOrEqual(10);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(1024);
    expect(Buffer.concat(parts)).toEqual(Buffer.alloc(10_000, 1));
  });

  it('hands output over in bounded batches', async () => {
    const sizes: number[] = [];
    const measure = defineBatchStage<Buffer, Buffer>('measure', async function* measure(batches) {
      for await (const batch of batches) {
        sizes.push(batch.reduce((n, b) => n + b.length, 0));
        yield batch;
      }
    });
    const parts = await from([zlib.gzipSync(Buffer.alloc(4096 * KiB))])
      .pipe(gunzip(), measure)
      .toArray();
    expect(Buffer.concat(parts).length).toBe(4096 * KiB);
    expect(sizes.length).toBeGreaterThan(30);
    // A batch is handed over once it reaches chunkSize; zlib's output buffers are chunkSize too.
    expect(Math.max(...sizes)).toBeLessThan(2 * 64 * KiB);
  });

  it('pauses zlib while output waits for the consumer, so a small bomb does not inflate fully', async () => {
    const records = spyOnZlib('createGunzip');
    const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * KiB));
    expect(bomb.length).toBeLessThan(128 * KiB);
    const it = from([bomb]).pipe(gunzip())[Symbol.asyncIterator]();
    expect((await it.next()).done).toBe(false);
    const { stream } = records[0]!;
    // Once zlib's readable buffer is full, zlib stops inflating until someone reads. The cap only
    // ends the wait when pausing is broken (the buffer then never fills); normally a few turns do.
    for (let turn = 0; turn < 20_000 && stream.readableLength < stream.readableHighWaterMark; turn++)
      await flushMacrotask();
    expect(stream.readableLength).toBeGreaterThanOrEqual(stream.readableHighWaterMark);
    const produced = records[0]!.produced;
    for (let turn = 0; turn < 20; turn++) await flushMacrotask();
    expect(records[0]!.produced).toBe(produced);
    expect(produced).toBeLessThanOrEqual(4 * 64 * KiB);
    await it.return?.();
    expect(await released(stream)).toBe(true);
  });

  describe('teardown', () => {
    it('destroys the zlib stream and leaves nothing behind when aborted while upstream is stalled', async () => {
      const records = spyOnZlib('createGunzip');
      const controller = new AbortController();
      const leaks = leakCheck({ watch: [controller.signal] });
      const source = trackedSource({ items: [packed.subarray(0, 30), packed.subarray(30)], hangAt: 1 });
      const running = from(source).pipe(gunzip()).toArray({ signal: controller.signal });
      await source.hanging.promise;
      const reason = new Error('timeout');
      controller.abort(reason);
      await expect(running).rejects.toBe(reason);
      source.release();
      await source.closed.promise;
      expect(await released(records[0]!.stream)).toBe(true);
      expect(await leaks.finish()).toEqual(NO_LEAKS);
    });

    it('destroys the zlib stream when the consumer stops early', async () => {
      const records = spyOnZlib('createGunzip');
      const leaks = leakCheck();
      const whole = zlib.gzipSync(randomBytes(512 * KiB));
      const source = trackedSource(cut(whole, [100 * KiB, 200 * KiB, 300 * KiB]));
      for await (const part of from(source).pipe(gunzip())) {
        expect(part.length).toBeGreaterThan(0);
        break;
      }
      expect(source.stats.closes).toBe(1);
      expect(await released(records[0]!.stream)).toBe(true);
      expect(await leaks.finish()).toEqual(NO_LEAKS);
    });

    it('destroys the zlib stream when upstream fails, passing the error through unchanged', async () => {
      const records = spyOnZlib('createGunzip');
      const boom = new Error('socket hang up');
      const source = trackedSource({
        items: [packed.subarray(0, 30), packed.subarray(30)],
        throwAt: { index: 1, error: boom },
      });
      await expect(from(source).pipe(gunzip()).toArray()).rejects.toBe(boom);
      expect(await released(records[0]!.stream)).toBe(true);
    });
  });

  it('validates its options when called', () => {
    const code = (c: string) => expect.objectContaining({ code: c });
    expect(() => gunzip({ chunkSize: -1 })).toThrow(code('ERR_SLUICE_OPTION_OUT_OF_RANGE'));
    expect(() => gunzip({ zlib: { windowBits: 7 } })).toThrow(code('ERR_SLUICE_OPTION_OUT_OF_RANGE'));
    expect(() => gunzip({ zlib: { level: 1 } } as never)).toThrow(code('ERR_SLUICE_INVALID_OPTION'));
    expect(() => gunzip({ level: 1 } as never)).toThrow(
      expect.objectContaining({ message: expect.stringContaining('level') }),
    );
  });

  describe('properties', () => {
    it('matches zlib.gunzipSync of zlib.gzipSync input however it is chunked and batched', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 5000 }),
          cuts(12),
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: 1, max: 300 }),
          async (bytes, at, batchSize, chunkSize) => {
            const chunks = cut(new Uint8Array(zlib.gzipSync(bytes)), at);
            const parts = await from(chunks, { batchSize }).pipe(gunzip({ chunkSize })).toArray();
            expect(Buffer.concat(parts)).toEqual(Buffer.from(bytes));
          },
        ),
        { numRuns: 60 },
      );
    });

    it('round-trips through gzip', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 500 }), { maxLength: 8 }), async (chunks) => {
          const parts = await from(chunks)
            .pipe(gzip({ chunkSize: 100 }), gunzip({ chunkSize: 50 }))
            .toArray();
          expect(Buffer.concat(parts)).toEqual(Buffer.concat(chunks));
        }),
        { numRuns: 40 },
      );
    });
  });
});
