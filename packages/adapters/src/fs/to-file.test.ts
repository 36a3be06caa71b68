import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { from, type RunReport } from '@sluice/core';
import { NO_LEAKS, deferred, leakCheck, liveAbortListenersAfter, trackedSource } from '@sluice/core/testing';
import { toFile } from './to-file.js';

const root = await mkdtemp(join(tmpdir(), 'sluice-to-file-'));
let dir: string;
let n = 0;

beforeEach(async () => {
  dir = join(root, `case${n++}`);
  await mkdir(dir);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('toFile', () => {
  it('writes strings and bytes in order and replaces an existing file whole', async () => {
    const path = join(dir, 'data.bin');
    await writeFile(path, 'old content');
    const items: (string | Uint8Array)[] = Array.from({ length: 3000 }, (_, i) =>
      i % 2 ? `${i},` : Buffer.from(`${i};`),
    );
    await from(items, { batchSize: 100 }).to(toFile(path, { fsync: false }));
    expect(await readFile(path, 'utf8')).toBe(items.map((c) => c.toString()).join(''));
    expect(await readdir(dir)).toEqual(['data.bin']);
  });

  it('creates an empty file for an empty source, and accepts a file: URL', async () => {
    const path = join(dir, 'empty.txt');
    await from<string>([]).to(toFile(pathToFileURL(path)));
    expect((await stat(path)).size).toBe(0);
  });

  it('leaves an existing target untouched and no temporary file when the source fails midway', async () => {
    const path = join(dir, 'report.csv');
    await writeFile(path, 'previous report');
    const failure = new Error('query failed');
    const source = trackedSource({ items: ['a\n', 'b\n', 'c\n'], throwAt: { index: 2, error: failure } });
    await expect(from(source).to(toFile(path))).rejects.toBe(failure);
    expect(await readFile(path, 'utf8')).toBe('previous report');
    expect(await readdir(dir)).toEqual(['report.csv']);
  });

  it('removes the temporary file before an aborted run settles, and creates no target', async () => {
    const path = join(dir, 'aborted.txt');
    const controller = new AbortController();
    const reason = new Error('shutdown');
    const source = trackedSource({ items: ['a\n', 'b\n'], hangAt: 2 });
    const running = from(source).to(toFile(path), { signal: controller.signal });
    await source.hanging.promise; // two items were written to the temporary file
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toHaveLength(1);
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    expect(await readdir(dir)).toEqual([]);
    source.release();
    await source.closed.promise;
  });

  it('keeps the invariant when the abort comes while a write may be in flight', async () => {
    const path = join(dir, 'racy.txt');
    await writeFile(path, 'keep me');
    const leaks = leakCheck();
    for (let round = 0; round < 10; round++) {
      const controller = new AbortController();
      const big = 'x'.repeat(256 * 1024);
      const source = async function* racing() {
        yield big;
        setImmediate(() => controller.abort(new Error('late abort')));
        yield big;
        yield big;
      };
      await expect(from(source).to(toFile(path, { fsync: false }), { signal: controller.signal })).rejects.toThrow(
        'late abort',
      );
      expect(await readdir(dir)).toEqual(['racy.txt']);
      expect(await readFile(path, 'utf8')).toBe('keep me');
    }
    const report = await leaks.finish();
    expect(report.unhandledRejections).toEqual([]);
    expect(report.warnings).toEqual([]);
  });

  it('never opens the source when the directory does not exist', async () => {
    const source = trackedSource(['a']);
    await expect(from(source).to(toFile(join(dir, 'missing', 'out.txt')))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(source.stats.opens).toBe(0);
  });

  it('creates nothing under an already-aborted signal', async () => {
    const reason = new Error('too late');
    let report: RunReport | undefined;
    await expect(
      from(['a']).to(toFile(join(dir, 'never.txt')), {
        signal: AbortSignal.abort(reason),
        onReport: (r) => (report = r),
      }),
    ).rejects.toBe(reason);
    await report!.closed; // every cleanup of the run, the sink's included, has finished
    expect(await readdir(dir)).toEqual([]);
  });

  it('fails with a coded TypeError for a chunk that is neither string nor bytes, leaving nothing behind', async () => {
    const leaks = leakCheck();
    await expect(from<unknown>(['a', 42]).to(toFile(join(dir, 'bad.txt')) as never)).rejects.toMatchObject({
      code: 'ERR_SLUICE_INVALID_ARGUMENT',
    });
    expect(await readdir(dir)).toEqual([]);
    expect(await leaks.finish()).toEqual(NO_LEAKS);
  });

  it("works as the final function of Node's stream.pipeline()", async () => {
    const path = join(dir, 'piped.txt');
    const gate = deferred();
    const source = async function* produce() {
      yield 'one\n';
      await gate.promise;
      yield 'two\n';
    };
    const done = (pipeline as (...streams: unknown[]) => Promise<void>)(source, toFile(path));
    gate.resolve();
    await done;
    expect(await readFile(path, 'utf8')).toBe('one\ntwo\n');
  });

  it('throws coded errors at call time for a bad path or options', () => {
    expect(() => toFile('' as never)).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_ARGUMENT' }));
    expect(() => toFile('x', { fsync: 1 } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }),
    );
    expect(() => toFile('x', { mode: 0o10000 })).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE' }),
    );
    expect(() => toFile('x', { atomic: false } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }),
    );
  });
});

describe('toFile and the run signal', () => {
  it('unlinks its abort listener (which removes the temporary file) when the file is complete, and when the source fails', async () => {
    const done = join(root, 'signal-done.txt');
    const failed = join(root, 'signal-failed.txt');
    const boom = new Error('boom');
    const live = await liveAbortListenersAfter(async () => {
      await from(['a', 'b']).to(toFile(done));
      await expect(
        from(trackedSource({ items: ['a', 'b'], throwAt: { index: 1, error: boom } })).to(toFile(failed)),
      ).rejects.toBe(boom);
    });
    expect(live).toBe(0);
    expect(await readFile(done, 'utf8')).toBe('ab');
  });
});
