import { mkdtemp, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunReport } from '@sluice/core';
import { NO_LEAKS, abortListenerCount, leakCheck, liveAbortListenersAfter } from '@sluice/core/testing';
import { LineTooLongError as KitLineTooLongError } from '@sluice/core/kit';
import { LineTooLongError, forEach, take } from '@sluice/operators';
import { fromFile } from './from-file.js';

/** Every handle fromFile opens, with its close() calls counted. */
const opened = vi.hoisted(() => [] as { handle: FileHandle; closes: number }[]);
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const open = async (...args: Parameters<typeof actual.open>) => {
    const handle = await actual.open(...args);
    const entry = { handle, closes: 0 };
    const close = handle.close.bind(handle);
    handle.close = () => {
      entry.closes++;
      return close();
    };
    opened.push(entry);
    return handle;
  };
  return { ...actual, open, default: { ...actual, open } };
});

let dir: string;
let n = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-from-file-'));
});
afterEach(() => {
  opened.length = 0;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fileWith(content: string | Buffer): Promise<string> {
  const path = join(dir, `f${n++}.txt`);
  await writeFile(path, content);
  return path;
}

/** close() calls per handle opened since the test started. */
function closesPerHandle(): number[] {
  return opened.map((e) => e.closes);
}

describe('fromFile', () => {
  it('reads a file as Buffers of highWaterMark bytes and closes it exactly once, when its end was read', async () => {
    const content = Buffer.from('0123456789'.repeat(10));
    const path = await fileWith(content);
    let report: RunReport | undefined;
    const chunks = await fromFile(path, { highWaterMark: 7 }).toArray({ onReport: (r) => (report = r) });
    expect(chunks.every((c) => Buffer.isBuffer(c) && c.length <= 7)).toBe(true);
    expect(Buffer.concat(chunks).equals(content)).toBe(true);
    expect(closesPerHandle()).toEqual([1]);
    expect(report!.source.closedAtMs).not.toBeNull();
  });

  it('opens the file anew on every run and never before the first pull', async () => {
    const path = await fileWith('a\nb\n');
    const lines = fromFile(path, { lines: true });
    expect(await lines.toArray()).toEqual(['a', 'b']);
    expect(await lines.toArray()).toEqual(['a', 'b']);
    const missing = fromFile(join(dir, 'does-not-exist.txt')); // lazy: no error yet
    await expect(missing.toArray()).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('cuts lines like text.split(/\\r?\\n/) whatever the read size, keeping split characters whole', async () => {
    const line = fc
      .array(fc.constantFrom('a', 'é', '€', '😀', ',', ' ', '\r'), { maxLength: 6 })
      .map((cs) => cs.join(''));
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { maxLength: 6 }),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        fc.integer({ min: 1, max: 9 }),
        async (lines, eol, finalEol, size) => {
          const text = lines.join(eol) + (finalEol && lines.length > 0 ? eol : '');
          const expected = text.split(/\r?\n/);
          if (expected[expected.length - 1] === '') expected.pop();
          const path = await fileWith(text);
          expect(await fromFile(path, { lines: true, highWaterMark: size }).toArray()).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('fails on a line past 1 MiB with the LineTooLongError of splitLines, after the lines before it, however it is read', async () => {
    const long = 'x'.repeat(1024 * 1024 + 1);
    const path = await fileWith(`ok\n${'y'.repeat(1024 * 1024)}\n${long}\nnext\n`);
    for (const highWaterMark of [64 * 1024, 4 * 1024 * 1024]) {
      const seen: string[] = [];
      const run = fromFile(path, { lines: true, highWaterMark }).to(
        forEach((line) => {
          seen.push(line.slice(0, 2));
        }),
      );
      await expect(run).rejects.toBeInstanceOf(LineTooLongError);
      await expect(run).rejects.toBeInstanceOf(KitLineTooLongError);
      await expect(run).rejects.toMatchObject({
        name: 'LineTooLongError',
        code: 'ERR_SLUICE_LINE_TOO_LONG',
        line: 3,
        maxLineLength: 1024 * 1024,
      });
      expect(seen).toEqual(['ok', 'yy']);
    }
    expect(closesPerHandle()).toEqual([1, 1]);
  });

  it('drops a byte order mark and decodes chunks with the given encoding', async () => {
    const path = await fileWith(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('naïve\r\nok')]));
    expect(await fromFile(path, { lines: true }).toArray()).toEqual(['naïve', 'ok']);
    expect((await fromFile(path, { encoding: 'utf8', highWaterMark: 4 }).toArray()).join('')).toBe('naïve\r\nok');
    const latin1 = await fileWith(Buffer.from('olé\n', 'latin1'));
    expect(await fromFile(latin1, { lines: true, encoding: 'latin1' }).toArray()).toEqual(['olé']);
  });

  it('closes the file exactly once when the consumer stops early', async () => {
    const path = await fileWith('1\n2\n3\n4\n'.repeat(1000));
    const leaks = leakCheck();
    expect(await fromFile(path, { lines: true, highWaterMark: 16 }).pipe(take(3)).toArray()).toEqual(['1', '2', '3']);
    for await (const l of fromFile(path, { lines: true, highWaterMark: 16 })) if (l === '2') break;
    expect(closesPerHandle()).toEqual([1, 1]);
    expect(await leaks.finish()).toEqual(NO_LEAKS);
  });

  it('closes the file once and rejects with signal.reason when the run is aborted', async () => {
    const path = await fileWith('x\n'.repeat(10_000));
    const controller = new AbortController();
    const reason = new Error('stop reading');
    let seen = 0;
    const running = fromFile(path, { lines: true, highWaterMark: 64 })
      .pipe(async function* abortAt5(source: AsyncIterable<string>) {
        for await (const l of source) {
          if (++seen === 5) controller.abort(reason);
          yield l;
        }
      })
      .run({ signal: controller.signal });
    await expect(running).rejects.toBe(reason);
    expect(closesPerHandle()).toEqual([1]);
  });

  it('never opens the file under an aborted run signal, and fails with the reason of its own signal', async () => {
    const path = await fileWith('a\n');
    let report: RunReport | undefined;
    const reason = new Error('pre-aborted');
    await expect(fromFile(path).run({ signal: AbortSignal.abort(reason), onReport: (r) => (report = r) })).rejects.toBe(
      reason,
    );
    expect(report!.source.openedAtMs).toBeNull();
    expect(opened).toEqual([]);
    const own = new Error('file signal');
    await expect(fromFile(path, { signal: AbortSignal.abort(own) }).toArray()).rejects.toBe(own);
  });

  it('throws coded errors at call time for a bad path or bad options', () => {
    expect(() => fromFile(42 as never)).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_ARGUMENT' }));
    expect(() => fromFile('x', { encoding: 'klingon' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }),
    );
    expect(() => fromFile('x', { highWaterMark: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE' }),
    );
    expect(() => fromFile('x', { line: true } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }),
    );
  });
});

describe('fromFile and its signal', () => {
  it("leaves no abort listener on its signal or the run's after reading a file in many reads", async () => {
    const path = join(dir, `signal-${n++}.txt`);
    await writeFile(path, 'x'.repeat(10_000));
    const controller = new AbortController();
    const live = await liveAbortListenersAfter(async () => {
      const chunks = await fromFile(path, { signal: controller.signal, highWaterMark: 1000 }).toArray();
      expect(chunks).toHaveLength(10);
    });
    expect(live).toBe(0);
    expect(abortListenerCount(controller.signal)).toBe(0);
  });
});
