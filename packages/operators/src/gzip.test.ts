import { Buffer } from 'node:buffer';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { from } from '@sluice/core';
import { NO_LEAKS, conformance, leakCheck, trackedSource } from '@sluice/core/testing';
import { gunzip } from './gunzip.js';
import { gzip } from './gzip.js';
import { cut, cuts, tricky } from './test-support/text-arbitraries.js';
import { released, spyOnZlib } from './test-support/zlib-spy.js';

const run = promisify(execFile);
const KiB = 1024;
const gunzipped = (parts: readonly Uint8Array[]) => zlib.gunzipSync(Buffer.concat(parts));
const csvRows = (n: number) => Array.from({ length: n }, (_, i) => `${i},name ${i},${(i * 7) % 13},x\n`);

/** Cuts a string only between code points, so no surrogate pair is split. */
function cutText(text: string, at: readonly number[]): string[] {
  const points = Array.from(text);
  const bounds = [...new Set(at.map((p) => p % (points.length + 1)))].sort((a, b) => a - b);
  const pieces: string[] = [];
  let start = 0;
  for (const end of [...bounds, points.length]) {
    pieces.push(points.slice(start, end).join(''));
    start = end;
  }
  return pieces;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-gzip-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('gzip', () => {
  for (const c of conformance('gzip()', () => gzip(), {
    input: ['id,name\n', '1,Ada\n', '2,Grace\n'],
    emptyOutput: [zlib.gzipSync(Buffer.alloc(0))],
    // Input is held until chunkSize is gathered, so small inputs are all read before any output.
    maxPulledForFirst: 9,
  })) {
    it(c.name, c.run);
  }

  it('writes a file that passes the system gunzip -t and zlib.gunzipSync', async () => {
    const rows = csvRows(50_000);
    const parts = await from(rows, { batchSize: 700 }).pipe(gzip()).toArray();
    const file = join(dir, 'rows.csv.gz');
    await writeFile(file, Buffer.concat(parts));
    await expect(run('gunzip', ['-t', file])).resolves.toMatchObject({ stderr: '' });
    expect(gunzipped(parts).toString()).toBe(rows.join(''));
    const truncated = join(dir, 'truncated.csv.gz');
    await writeFile(truncated, Buffer.concat(parts).subarray(0, -9));
    await expect(run('gunzip', ['-t', truncated])).rejects.toMatchObject({ code: 1 });
  });

  it('coalesces small chunks into 256 KiB writes (the default) across batches and keeps one write in flight', async () => {
    const records = spyOnZlib('createGzip');
    const rows = csvRows(20_000);
    await from(rows, { batchSize: 3 }).pipe(gzip()).run();
    const [record] = records;
    const total = rows.join('').length;
    expect(record!.writes.length).toBe(Math.ceil(total / (256 * KiB)));
    for (const size of record!.writes.slice(0, -1)) expect(size).toBeGreaterThanOrEqual(256 * KiB);
    expect(record!.writes.reduce((a, b) => a + b, 0)).toBe(total);
    expect(record!.maxInFlight).toBe(1);
  });

  it('coalesces to chunkSize and writes a large chunk as it is', async () => {
    const records = spyOnZlib('createGzip');
    const big = randomBytes(5000);
    const parts = await from(['ab', 'cd', 'ef', big, 'g'], { batchSize: 2 })
      .pipe(gzip({ chunkSize: 5 }))
      .toArray();
    expect(records[0]!.writes).toEqual([6, 5000, 1]);
    expect(gunzipped(parts)).toEqual(Buffer.concat([Buffer.from('abcdef'), big, Buffer.from('g')]));
  });

  it('passes level and zlib settings to zlib.createGzip', async () => {
    const records = spyOnZlib('createGzip');
    const data = 'abc,'.repeat(10_000);
    const stored = Buffer.concat(
      await from([data])
        .pipe(gzip({ level: 0 }))
        .toArray(),
    );
    const tuned = await from([data])
      .pipe(
        gzip({
          level: 9,
          zlib: { memLevel: 1, windowBits: 9, strategy: zlib.constants.Z_HUFFMAN_ONLY, chunkSize: 64 },
        }),
      )
      .toArray();
    expect(stored.length).toBeGreaterThan(data.length);
    expect(records[1]!.options).toEqual({
      level: 9,
      memLevel: 1,
      windowBits: 9,
      strategy: zlib.constants.Z_HUFFMAN_ONLY,
      chunkSize: 64,
    });
    for (const part of tuned) expect(part.length).toBeLessThanOrEqual(64);
    expect(gunzipped(tuned).toString()).toBe(data);
  });

  it("sizes zlib's output buffers to chunkSize unless zlib.chunkSize is given, within 64 B and 1 MiB", async () => {
    const records = spyOnZlib('createGzip');
    for (const options of [
      {},
      { chunkSize: 4096 },
      { chunkSize: 1 },
      { chunkSize: 8 * 1024 * KiB },
      { zlib: { chunkSize: 512 } },
    ]) {
      await from(['x']).pipe(gzip(options)).run();
    }
    expect(records.map((r) => r.options?.chunkSize)).toEqual([256 * KiB, 4096, 64, 1024 * KiB, 512]);
  });

  it('reads ahead a bounded amount: input pulled stays within 4 chunks of the output taken', async () => {
    let pulled = 0;
    async function* incompressible() {
      for (let i = 0; i < 64; i++) {
        pulled += 64 * KiB;
        yield randomBytes(64 * KiB);
      }
    }
    let taken = 0;
    let worst = 0;
    for await (const part of from(incompressible).pipe(gzip({ chunkSize: 64 * KiB }))) {
      taken += part.length;
      worst = Math.max(worst, pulled - taken);
    }
    expect(taken).toBeGreaterThan(64 * 64 * KiB);
    expect(worst).toBeLessThanOrEqual(4 * 64 * KiB);
  });

  describe('teardown', () => {
    it('destroys the zlib stream when the consumer stops early', async () => {
      const records = spyOnZlib('createGzip');
      const leaks = leakCheck();
      const source = trackedSource(Array.from({ length: 40 }, () => randomBytes(64 * KiB)));
      for await (const part of from(source).pipe(gzip())) {
        expect(part.length).toBeGreaterThan(0);
        break;
      }
      expect(source.stats.closes).toBe(1);
      expect(await released(records[0]!.stream)).toBe(true);
      expect(await leaks.finish()).toEqual(NO_LEAKS);
    });

    it('destroys the zlib stream and settles with signal.reason when aborted while upstream is stalled', async () => {
      const records = spyOnZlib('createGzip');
      const controller = new AbortController();
      const leaks = leakCheck({ watch: [controller.signal] });
      const source = trackedSource({ items: [randomBytes(100 * KiB), randomBytes(100 * KiB)], hangAt: 1 });
      const running = from(source).pipe(gzip()).toArray({ signal: controller.signal });
      await source.hanging.promise;
      const reason = new Error('client went away');
      controller.abort(reason);
      await expect(running).rejects.toBe(reason);
      source.release();
      await source.closed.promise;
      expect(await released(records[0]!.stream)).toBe(true);
      expect(await leaks.finish()).toEqual(NO_LEAKS);
    });

    it('destroys the zlib stream when aborted while zlib is busy with a chunk', async () => {
      const records = spyOnZlib('createGzip');
      const controller = new AbortController();
      const stage = gzip()(trackedSource([randomBytes(4096 * KiB)]), { signal: controller.signal });
      const it = stage[Symbol.asyncIterator]();
      const first = it.next();
      await records[0]!.firstWrite.promise;
      const reason = new Error('stop');
      controller.abort(reason);
      await expect(first).rejects.toBe(reason);
      expect(await released(records[0]!.stream)).toBe(true);
    });

    it('destroys the zlib stream when upstream fails, passing the error through unchanged', async () => {
      const records = spyOnZlib('createGzip');
      const boom = new Error('query failed');
      const source = trackedSource({ items: ['a', 'b', 'c'], throwAt: { index: 2, error: boom } });
      await expect(from(source).pipe(gzip()).toArray()).rejects.toBe(boom);
      expect(await released(records[0]!.stream)).toBe(true);
    });

    it('destroys the zlib stream after a complete run too', async () => {
      const records = spyOnZlib('createGzip');
      await from(['done']).pipe(gzip()).run();
      expect(await released(records[0]!.stream)).toBe(true);
    });
  });

  it('fails with a coded TypeError on a chunk that is neither string nor bytes', async () => {
    const records = spyOnZlib('createGzip');
    await expect(
      from([{ row: 1 }] as never[])
        .pipe(gzip())
        .toArray(),
    ).rejects.toMatchObject({
      name: 'TypeError',
      code: 'ERR_SLUICE_INVALID_ARGUMENT',
      message: expect.stringContaining('gzip() expects string or Uint8Array chunks, got an instance of Object'),
    });
    expect(await released(records[0]!.stream)).toBe(true);
  });

  it('validates its options when called', () => {
    const code = (c: string) => expect.objectContaining({ code: c });
    expect(() => gzip({ level: 10 })).toThrow(code('ERR_SLUICE_OPTION_OUT_OF_RANGE'));
    expect(() => gzip({ level: 1.5 })).toThrow(code('ERR_SLUICE_OPTION_OUT_OF_RANGE'));
    expect(() => gzip({ chunkSize: 0 })).toThrow(code('ERR_SLUICE_OPTION_OUT_OF_RANGE'));
    expect(() => gzip({ zlib: { memLevel: 0 } })).toThrow(code('ERR_SLUICE_OPTION_OUT_OF_RANGE'));
    expect(() => gzip({ zlib: { windowBits: 16 } })).toThrow(code('ERR_SLUICE_OPTION_OUT_OF_RANGE'));
    expect(() => gzip({ zlib: { chunkSize: 8 } })).toThrow(code('ERR_SLUICE_OPTION_OUT_OF_RANGE'));
    expect(() => gzip({ zlib: { level: 1 } } as never)).toThrow(code('ERR_SLUICE_INVALID_OPTION'));
    expect(() => gzip({ zlib: 'fast' } as never)).toThrow(code('ERR_SLUICE_INVALID_OPTION'));
    expect(() => gzip({ levle: 1 } as never)).toThrow(
      expect.objectContaining({ message: expect.stringContaining('levle') }),
    );
  });

  describe('properties', () => {
    it('round-trips bytes through zlib.gunzipSync however they are chunked and batched', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 3000 }),
          cuts(10),
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: 1, max: 2000 }),
          async (bytes, at, batchSize, chunkSize) => {
            const parts = await from(cut(bytes, at), { batchSize }).pipe(gzip({ chunkSize })).toArray();
            expect(gunzipped(parts)).toEqual(Buffer.from(bytes));
          },
        ),
        { numRuns: 60 },
      );
    });

    it('round-trips text as UTF-8 however it is chunked and mixed with bytes', async () => {
      await fc.assert(
        fc.asyncProperty(
          tricky(),
          cuts(10),
          fc.integer({ min: 1, max: 64 }),
          fc.boolean(),
          async (text, at, chunkSize, mixed) => {
            const pieces = cutText(text, at).map((piece, i) => (mixed && i % 2 === 1 ? Buffer.from(piece) : piece));
            const parts = await from(pieces).pipe(gzip({ chunkSize })).toArray();
            expect(gunzipped(parts).toString()).toBe(text);
          },
        ),
        { numRuns: 60 },
      );
    });
  });
});

describe('found in review: gzip', () => {
  it('regression: keeps a surrogate pair split across two string chunks whole through compression', async () => {
    // A string producer that cuts text by code units (text.slice(i, i + n)) can split a pair.
    const text = `${'x'.repeat(15)}😀${'y'.repeat(15)}`;
    const at = 16; // between the two halves of 😀
    const chunks = [text.slice(0, at), text.slice(at)];
    const parts = await from(chunks)
      .pipe(gzip({ chunkSize: 16 }))
      .toArray();
    expect(zlib.gunzipSync(Buffer.concat(parts)).toString('utf8')).toBe(text);
  });

  it('regression: gzip → gunzip round-trips strings and bytes however they are chunked', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.integer({ min: 1, max: 64 }),
        async (s, positions, size) => {
          const bytes = Buffer.from(s, 'utf8');
          const pieces = cut(bytes, positions);
          const packed = await from(pieces)
            .pipe(gzip({ chunkSize: size }))
            .toArray();
          const unpacked = await from(cut(Buffer.concat(packed), positions))
            .pipe(gunzip({ chunkSize: size }))
            .toArray();
          expect(Buffer.concat(unpacked).toString('utf8')).toBe(s);
        },
      ),
      { numRuns: 60 },
    );
  });
});
