import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { from } from '@sluice/core';
import { deferred } from '@sluice/core/testing';
import { parseCsv } from '@sluice/operators';
import type { SendReport } from '@sluice/adapters/http';
import { openOrdersStore, type OrdersStore } from './db.js';
import { OrdersDb } from './orders-db.js';
import { createExportServer, orderRows } from './server.js';

const PG_URL = process.env.SLUICE_TEST_PG_URL;
// CI must run the PostgreSQL case; elsewhere it needs a server (`. .ci/services.sh`).
if (!PG_URL && !process.env.CI)
  console.warn('[sluice] examples: PostgreSQL store not tested, SLUICE_TEST_PG_URL is not set');
const databases: [string, string | undefined][] = [['SQLite', '']];
if (PG_URL || process.env.CI) databases.push(['PostgreSQL', PG_URL]);

const open: OrdersStore[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
});

async function store(rowCount: number, url: string | undefined): Promise<OrdersStore> {
  if (url === undefined)
    throw new Error('SLUICE_TEST_PG_URL is not set: CI must test the PostgreSQL store (source .ci/services.sh)');
  const s = await openOrdersStore(rowCount, url);
  open.push(s);
  return s;
}

async function exportOnce(db: OrdersStore, client: (port: number) => void): Promise<SendReport> {
  const report = deferred<SendReport>();
  const server = createExportServer({ db, onReport: (r) => report.resolve(r) });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client((server.address() as AddressInfo).port);
  const result = await report.promise;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  return result;
}

for (const [name, url] of databases) {
  describe(`the CSV export on ${name}`, () => {
    it('sends the rows of the database, which parse back to the same orders as the stand-in’s', async () => {
      const db = await store(3_000, url);
      const body = deferred<Buffer>();
      const report = await exportOnce(db, (port) => {
        const req = request(
          { host: '127.0.0.1', port, path: '/orders.csv', headers: { 'accept-encoding': 'gzip' }, agent: false },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => body.resolve(Buffer.concat(chunks)));
          },
        );
        req.end();
      });
      const text = gunzipSync(await body.promise).toString('utf8');
      const rows = await from([text]).pipe(parseCsv()).toArray();
      const expected = await from(await orderRows(new OrdersDb(3_000)).toArray())
        .pipe(async function* (orders) {
          for await (const o of orders) yield { ...o, total: (o.totalCents / 100).toFixed(2) };
        })
        .toArray();
      expect(rows).toHaveLength(3_000);
      expect(rows.map((r) => r.id)).toEqual(expected.map((o) => String(o.id)));
      expect(rows[10]).toEqual({
        id: '10',
        customer: 'Ada Lovelace',
        placed_at: expected[10]!.placedAt.toISOString(),
        total: expected[10]!.total,
        paid: 'true',
        note: 'gift wrap\nplease',
      });
      expect(report.outcome).toBe('completed');
      expect({ open: db.openCursors, opened: db.cursorsOpened }).toEqual({ open: 0, opened: 1 });
    });

    it('closes the cursor once when the client disconnects mid-download', async () => {
      const db = await store(200_000, url);
      const report = await exportOnce(db, (port) => {
        // gzip, as browsers ask: without it, noticing the disconnect during a synchronous SQLite
        // export needs the runner to yield the event loop (issue 7).
        const headers = { 'accept-encoding': 'gzip' };
        const req = request({ host: '127.0.0.1', port, path: '/orders.csv', headers, agent: false }, (res) => {
          res.on('error', () => undefined);
          res.once('data', () => req.destroy());
        });
        req.on('error', () => undefined);
        req.end();
      });
      expect(report.outcome).toBe('client-gone');
      expect(report.run.source.items).toBeLessThan(200_000);
      await report.run.closed;
      expect({ open: db.openCursors, opened: db.cursorsOpened }).toEqual({ open: 0, opened: 1 });
      expect(db.pool ?? { total: 1, idle: 1 }).toEqual({ total: 1, idle: 1 });
    });
  });
}
