import { request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { from } from '@sluice/core';
import { deferred, type Deferred } from '@sluice/core/testing';
import { parseCsv } from '@sluice/operators';
import type { SendReport } from '@sluice/adapters/http';
import { OrdersDb, type Cursor, type Order } from './orders-db.js';
import { createExportServer, orderRows, type ExportServerOptions } from './server.js';

/** An OrdersDb that also says when a cursor was closed. */
class WatchedDb extends OrdersDb {
  readonly released: Deferred<void> = deferred();

  override async cursor(): Promise<Cursor> {
    const cursor = await super.cursor();
    return {
      read: (n) => cursor.read(n),
      close: async () => {
        await cursor.close();
        this.released.resolve();
      },
    };
  }
}

interface Running {
  readonly port: number;
  readonly server: Server;
  /** The report of the first export the server sends. */
  readonly report: Promise<SendReport>;
}

const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(options: Omit<ExportServerOptions, 'onReport'>): Promise<Running> {
  const report = deferred<SendReport>();
  const server = createExportServer({ ...options, onReport: (r) => report.resolve(r) });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, server, report: report.promise };
}

/** GET /orders.csv on a fresh connection; `onResponse` drives the client. */
function get(
  port: number,
  headers: Record<string, string>,
  onResponse: (res: IncomingMessage, leave: () => void) => void,
): void {
  const req = request({ host: '127.0.0.1', port, path: '/orders.csv', headers, agent: false }, (res) => {
    res.on('error', () => undefined);
    onResponse(res, () => req.destroy());
  });
  req.on('error', () => undefined);
  req.end();
}

function download(
  port: number,
  headers: Record<string, string>,
): Promise<{ headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(port, headers, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
  });
}

/** A row as it reads back from the CSV: every cell is text. */
function asCsv(o: Order): Record<string, string> {
  return {
    id: String(o.id),
    customer: o.customer,
    placed_at: o.placedAt.toISOString(),
    total: (o.totalCents / 100).toFixed(2),
    paid: String(o.paid),
    note: o.note ?? '',
  };
}

describe('the CSV export service', () => {
  it('sends every row of the database, gzipped, in a CSV that parses back to the same rows', async () => {
    const db = new OrdersDb(5_000);
    const { port, report } = await serve({ db });

    const { headers, body } = await download(port, { 'accept-encoding': 'gzip' });
    const text = gunzipSync(body).toString('utf8');
    const rows = await from([text]).pipe(parseCsv()).toArray();
    const expected = (await orderRows(db).toArray()).map(asCsv);

    expect(headers['content-encoding']).toBe('gzip');
    expect(headers['content-disposition']).toBe('attachment; filename=orders.csv');
    expect(text.startsWith('\uFEFFid,customer,placed_at,total,paid,note\n')).toBe(true);
    expect(rows).toHaveLength(5_000);
    // Row 2 has quotes in a cell, row 4 a comma, row 10 a line break: all must survive the round trip.
    for (const id of [0, 2, 4, 10, 4_999]) expect(rows[id]).toEqual(expected[id]);
    expect(rows).toEqual(expected);

    const { outcome, encoding, run } = await report;
    expect({ outcome, encoding, items: run.source.items }).toEqual({
      outcome: 'completed',
      encoding: 'gzip',
      items: 5_000,
    });
    expect(db.openCursors).toBe(0);
  });

  it('closes the cursor when the client disconnects after the first chunk', async () => {
    const db = new OrdersDb(200_000);
    const { port, report } = await serve({ db });
    const firstChunk = deferred<number>();

    get(port, {}, (res, leave) => {
      res.once('data', (chunk: Buffer) => {
        leave();
        firstChunk.resolve(chunk.length);
      });
    });

    expect(await firstChunk.promise).toBeGreaterThan(0);
    const { outcome, run } = await report;
    expect(outcome).toBe('client-gone');
    expect(run.source.closedAtMs).not.toBeNull();
    expect(run.source.items).toBeLessThan(200_000);
    expect(db.openCursors).toBe(0);
    expect(db.cursorsOpened).toBe(1);
  });

  it('closes the cursor of a synchronous driver when a client is killed mid-download of an uncompressed body', async () => {
    const db = new OrdersDb(200_000, { synchronous: true });
    const { port, report } = await serve({ db });
    const killed = deferred<number>();

    get(port, {}, (res, leave) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes < 256 * 1024) return;
        leave();
        killed.resolve(bytes);
      });
    });

    expect(await killed.promise).toBeGreaterThanOrEqual(256 * 1024);
    const { outcome, encoding, run } = await report;
    expect({ outcome, encoding }).toEqual({ outcome: 'client-gone', encoding: 'identity' });
    expect(run.source.closedAtMs).not.toBeNull();
    expect(run.source.items).toBeLessThan(200_000);
    expect(db.openCursors).toBe(0);
    expect(db.cursorsOpened).toBe(1);
  });

  it('tears the export down at the deadline when the client stops reading, releasing the cursor', async () => {
    const db = new OrdersDb(200_000);
    const { port, report } = await serve({ db, timeout: 200 });
    const status = deferred<number>();

    // Uncompressed, so the body is far larger than what the socket buffers absorb.
    get(port, {}, (res) => {
      res.pause();
      status.resolve(res.statusCode ?? 0);
    });

    expect(await status.promise).toBe(200);
    const { outcome, headersSent, run } = await report;
    expect({ outcome, headersSent }).toEqual({ outcome: 'timed-out', headersSent: true });
    expect(run.outcome).toBe('timed-out');
    expect(run.source.closedAtMs).not.toBeNull();
    expect(run.source.items).toBeLessThan(200_000);
    expect(db.openCursors).toBe(0);
  });

  it('releases the cursor long before a slow client has the response, when the rows fit in the read-ahead', async () => {
    // About 12 MB of CSV: far more than the socket buffers hold, so the server must wait for the client.
    const rowCount = 200_000;
    const db = new WatchedDb(rowCount);
    const { port, server, report } = await serve({ db, readAhead: rowCount });
    let response: ServerResponse | undefined;
    server.on('request', (_req, res: ServerResponse) => (response = res));
    const sentAtRelease = deferred<number>();

    // The client takes one chunk, stalls until the cursor is released, then reads on steadily.
    get(port, {}, (res) => {
      res.once('data', () => {
        res.pause();
        void db.released.promise.then(() => {
          sentAtRelease.resolve(response!.socket!.bytesWritten);
          res.on('data', () => {
            res.pause();
            setImmediate(() => res.resume());
          });
          res.resume();
        });
      });
    });

    const { outcome, bytes, run } = await report;
    expect(outcome).toBe('completed');
    expect(run.source.items).toBe(rowCount);
    // Most of the body was still to be sent when the cursor was released...
    expect(await sentAtRelease.promise).toBeLessThan(bytes / 2);
    // ...and the report shows it: the cursor was held for a fraction of the response.
    const { openedAtMs, closedAtMs, heldMs } = run.source;
    expect(closedAtMs).not.toBeNull();
    expect(closedAtMs!).toBeLessThan(run.durationMs * 0.9);
    expect(heldMs).toBe(closedAtMs! - openedAtMs!);
    expect(db.openCursors).toBe(0);
  });
});
