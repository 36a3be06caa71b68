import type { ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { from, fromResource, type Pipeline } from '@sluice/core';
import { tap } from '@sluice/operators';
import { deferred } from '@sluice/core/testing';
import { isClientGone } from '../internal/errors.js';
import { loopback, type Loopback } from '../test-support/http-loopback.js';
import { clientProcess, csvRow, settle, type Settled } from '../test-support/http-probes.js';
import { sendPipeline } from './send-pipeline.js';

let lb: Loopback;
beforeEach(async () => {
  lb = await loopback();
});
afterEach(() => lb.close());

const ROWS = 200_000;
const READ_SIZE = 256;

/**
 * The sources of README's export, each counting its closes: three whose reads return at once
 * (what a synchronous driver such as better-sqlite3 does) and an async generator.
 */
const sources = {
  array: () => from(Array.from({ length: ROWS }, (_, i) => csvRow(i))),
  'sync generator': (stats: { closes: number }) =>
    from(function* () {
      try {
        for (let i = 0; i < ROWS; i++) yield csvRow(i);
      } finally {
        stats.closes++;
      }
    }),
  'fromResource with a read that returns at once': (stats: { closes: number }) =>
    fromResource({
      open: () => ({ next: 0 }),
      read: (cursor: { next: number }) => {
        const out: string[] = [];
        while (out.length < READ_SIZE && cursor.next < ROWS) out.push(csvRow(cursor.next++));
        return out;
      },
      close: () => {
        stats.closes++;
      },
    }),
  'async generator': (stats: { closes: number }) =>
    from(async function* () {
      try {
        for (let i = 0; i < ROWS; i++) yield csvRow(i);
      } finally {
        stats.closes++;
      }
    }),
} satisfies Record<string, (stats: { closes: number }) => Pipeline<string>>;

/**
 * Rows one pull can bring: a source's batch (1024 by default; an async generator's is cut from
 * what it hands over before the event loop turns), or the resource's read.
 */
const BATCH = {
  array: 1024,
  'sync generator': 1024,
  'fromResource with a read that returns at once': READ_SIZE,
  'async generator': 1024,
};
/** gzip gathers 64 KiB of input per zlib write and keeps one write in flight: rows it may hold. */
const GZIP_HELD = Math.ceil((2 * 64 * 1024) / csvRow(0).length);

describe('sendPipeline when the client vanishes mid-download', () => {
  describe.each([false, true])('gzip: %s', (gzip) => {
    it.each(Object.keys(sources) as (keyof typeof sources)[])(
      '%s: reports client-gone, closes the source once and reads at most one batch past the reset',
      async (kind) => {
        const stats = { closes: 0 };
        let read = 0;
        let readWhenReset: number | undefined;
        const done = deferred<Settled>();
        lb.handle((req, res: ServerResponse) => {
          // When the reset became visible: the socket's state (a failed write errors it at once),
          // checked as each row is read, or its events, whichever comes first.
          const socket = res.socket!;
          const seen = () => (readWhenReset ??= read);
          socket.prependListener('error', seen);
          socket.prependListener('close', seen);
          const rows = sources[kind](stats).pipe(
            tap(() => {
              if (socket.errored || socket.destroyed) seen();
              read++;
            }),
          );
          void settle(sendPipeline(req, res, rows, { gzip })).then(done.resolve);
        });
        const received = await (await clientProcess(lb.port, { bytes: 256 * 1024 })).fetch();
        expect(received).toBeGreaterThanOrEqual(256 * 1024);
        const { report, error } = await done.promise;
        expect(error).toBeUndefined();
        expect(report?.outcome).toBe('client-gone');
        expect(isClientGone(report?.error)).toBe(true);
        expect(report?.run.outcome).toBe('aborted');
        if (kind !== 'array') expect(stats.closes).toBe(1);
        expect(report?.run.source.closedAtMs).not.toBeNull();
        expect(report?.run.source.items).toBe(read);
        expect(read).toBeLessThan(ROWS);
        // Unseen: the run stopped before it read another row after the reset.
        const slack = BATCH[kind] + (gzip ? GZIP_HELD : 0);
        expect(read).toBeLessThanOrEqual((readWhenReset ?? read) + slack);
        // Uncompressed, every row is one chunk: rows read ≤ rows written + one batch.
        if (!gzip) expect(read).toBeLessThanOrEqual(report!.chunks + BATCH[kind]);
      },
    );
  });
});
