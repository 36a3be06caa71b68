/**
 * Edge cases found in review: regression tests for bugs that were fixed, and edges verified to
 * hold. Real loopback HTTP, real files in os.tmpdir(), no sleeps.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createRequire } from 'node:module';
import type * as Zlib from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { from, type RunReport } from '@sluice/core';
import { deferred, type Deferred } from '@sluice/core/testing';

/**
 * A slow filesystem on demand: while `slowOpen.gate` is set, an exclusive open ('wx', the temp
 * file of toFile) really creates the file at once but returns its handle only when the gate
 * opens — the window a real open() has on a busy thread pool or a slow disk. Pass-through otherwise.
 */
const slowOpen = vi.hoisted(() => ({ gate: undefined as Deferred<void> | undefined, entered: undefined as Deferred<void> | undefined }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const open = async (...args: Parameters<typeof actual.open>) => {
    const handle = await actual.open(...args);
    if (slowOpen.gate && args[1] === 'wx') {
      slowOpen.entered?.resolve();
      await slowOpen.gate.promise;
    }
    return handle;
  };
  return { ...actual, open, default: { ...actual, open } };
});
import { toFile } from './fs/to-file.js';
import { sendPipeline } from './http/send-pipeline.js';
import { fetchRaw, loopback, type Loopback } from './test-support/http-loopback.js';
import { settle, type Settled } from './test-support/http-probes.js';
import { write } from './node/write.js';
import { toReadableStream } from './web/to-readable-stream.js';

/** The CommonJS exports object of node:zlib (the ESM default export is the same object, and it is mutable). */
const zlib = createRequire(import.meta.url)('node:zlib') as typeof Zlib;

let lb: Loopback;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-review-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  lb = await loopback();
});
afterEach(() => lb.close());

describe('edge cases: sendPipeline', () => {
  it('rejects a timeout above 2^31-1 ms at call time, or at least answers the client (never leaves the response open)', async () => {
    const done = deferred<{ threw: unknown; settled: Settled | undefined; res: ServerResponse }>();
    lb.handle((req, res) => {
      let threw: unknown;
      let sending: Promise<Settled> | undefined;
      try {
        sending = settle(sendPipeline(req, res, from(['hello']), { timeout: 2 ** 31 }));
      } catch (error) {
        threw = error;
        res.statusCode = 400;
        res.end();
      }
      void (sending ?? Promise.resolve(undefined)).then((settled) => done.resolve({ threw, settled, res }));
    });
    // Fire the request; the test must not wait for the response (with the bug it never comes).
    const got = fetchRaw(lb.port, '/').catch(() => undefined);
    const { threw, settled, res } = await done.promise;
    const answered = res.writableEnded || res.destroyed;
    if (!answered) res.destroy(); // unblock the client so the test can end
    await got;
    // Contract: "Validates at call time and throws (the source is never opened) … bad options".
    expect({ threwAtCallTime: threw !== undefined, settledWith: settled && (settled.error as { code?: string })?.code, answered }).toEqual({
      threwAtCallTime: true,
      settledWith: undefined,
      answered: true,
    });
  });

  it('gathers about 64 KiB of input per zlib write under gzip, as documented', async () => {
    const writes: number[] = [];
    // Spy on every write into a Gzip stream (zlib's exports are read-only; its prototypes are not).
    const proto = zlib.Gzip.prototype as unknown as { write: (...args: unknown[]) => boolean };
    const inherited = proto.write;
    proto.write = function (this: unknown, chunk: unknown, ...rest: unknown[]) {
      writes.push((chunk as Uint8Array).byteLength);
      return inherited.call(this, chunk, ...rest);
    };
    try {
      const done = deferred<Settled>();
      const kib = 'x'.repeat(1024);
      lb.handle((req, res) => {
        void settle(sendPipeline(req, res, from(Array.from({ length: 600 }, () => kib)), { gzip: true })).then(done.resolve);
      });
      const got = await fetchRaw(lb.port, '/', { headers: { 'accept-encoding': 'gzip' } });
      const settled = await done.promise;
      expect(settled.report?.outcome).toBe('completed');
      expect(zlib.gunzipSync(got.body).length).toBe(600 * 1024);
      // "Under gzip about 64 KiB of input is gathered per zlib write": allow 25% slack either way.
      expect(writes.length).toBeGreaterThan(1);
      expect(Math.max(...writes)).toBeLessThanOrEqual(80 * 1024);
      for (const size of writes.slice(0, -1)) expect(size).toBeGreaterThanOrEqual(48 * 1024);
    } finally {
      delete (proto as { write?: unknown }).write;
    }
  });
});

describe('edge cases: write()', () => {
  it('rejects with the writable\'s error (does not resolve through the flush callback) when it is destroyed with an error during the drain wait', async () => {
    // hwm 2: 'a' is in flight forever, 'b' is buffered and makes write() return false.
    const w = new Writable({ objectMode: true, highWaterMark: 2, write() {} });
    w.on('error', () => undefined);
    w.write('a');
    const boom = new Error('disk on fire');
    const writing = write(w, 'b').then(
      () => 'resolved',
      (error: unknown) => error,
    );
    w.destroy(boom);
    // Contract: "Rejects … with the writable's error when it errored … Never hangs".
    expect(await writing).toBe(boom);
  });
});

describe('edge cases: toReadableStream', () => {
  it('rejects a timeout above 2^31-1 ms at call time, like every run method does', () => {
    expect(() => toReadableStream(from([1]), { timeout: 2 ** 31 })).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE' }),
    );
  });
});

describe('edge cases: toFile', () => {
  it('leaves no temporary file behind once an aborted run has settled (abort while the temp file is being opened)', async () => {
    const path = join(dir, 'open-race.txt');
    const controller = new AbortController();
    const reason = new Error('shutdown');
    let leftAtSettle: string[] = [];
    slowOpen.gate = deferred();
    slowOpen.entered = deferred();
    let report: RunReport | undefined;
    const running = from(['a\n', 'b\n']).to(toFile(path), { signal: controller.signal, onReport: (r) => (report = r) });
    try {
      await slowOpen.entered.promise; // the temp file exists on disk; open() has not returned yet
      controller.abort(reason);
      await expect(running).rejects.toBe(reason);
      leftAtSettle = (await readdir(dir)).filter((f) => f.startsWith('.open-race.txt.'));
    } finally {
      slowOpen.gate.resolve();
      slowOpen.gate = undefined;
    }
    await report!.closed; // the sink's late cleanup does remove it, after the run settled
    expect((await readdir(dir)).filter((f) => f.startsWith('.open-race.txt.'))).toEqual([]);
    // Contract: "Failure or abort … the temporary file is unlinked at once (… before the run settles)".
    expect(leftAtSettle).toEqual([]);
  });
});
