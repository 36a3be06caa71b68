import { createServer, type IncomingMessage, type Server } from 'node:http';
import { fromResource, type Pipeline, type ProgressSnapshot } from '@sluice/core';
import { sendPipeline, type SendReport } from '@sluice/adapters/http';
import { buffer, formatCsv, map } from '@sluice/operators';
import type { OrdersStore } from './db.js';
import type { Order, OrdersDb } from './orders-db.js';

export interface ExportServerOptions {
  /** A real database (SQLite or PostgreSQL, see db.ts) or the in-memory stand-in. */
  readonly db: OrdersDb | OrdersStore;
  /** Milliseconds a download may take before the whole chain is torn down. */
  readonly timeout?: number;
  /** Rows read ahead of a slow client, so the cursor is released early. */
  readonly readAhead?: number;
  /** Called with the report of every export. */
  readonly onReport?: (report: SendReport) => void;
  /** Called while an export runs (every 200 ms, and once at its end) with its request. */
  readonly onProgress?: (snapshot: ProgressSnapshot, req: IncomingMessage) => void;
}

/** The rows of the export, from a cursor the run owns: opened on the first pull, closed exactly once. */
export function orderRows(db: OrdersDb | OrdersStore): Pipeline<Order> {
  if ('rows' in db) return db.rows();
  return fromResource({
    name: 'orders cursor',
    open: () => db.cursor(),
    read: async (cursor, { hint }) => {
      const want = Math.min(hint ?? 500, 500);
      const rows = await cursor.read(want);
      // A short read means the result set is exhausted: close the cursor before handing the rows on.
      return { items: rows, last: rows.length < want };
    },
    close: (cursor) => cursor.close(),
  });
}

/** The CSV export service: GET /orders.csv streams every order, gzip when the client accepts it. */
export function createExportServer({
  db,
  timeout = 30_000,
  readAhead = 2000,
  onReport,
  onProgress,
}: ExportServerOptions): Server {
  return createServer((req, res) => {
    if (req.url !== '/orders.csv') {
      res.writeHead(404).end('not found\n');
      return;
    }
    const csv = orderRows(db).pipe(
      map((o) => ({ ...o, total: (o.totalCents / 100).toFixed(2) })),
      buffer(readAhead),
      formatCsv({
        columns: ['id', 'customer', { key: 'placedAt', header: 'placed_at' }, 'total', 'paid', 'note'],
        bom: true,
        escapeFormulas: true,
      }),
    );
    sendPipeline(req, res, csv, {
      contentType: 'text/csv; charset=utf-8',
      filename: 'orders.csv',
      gzip: 'auto',
      timeout,
      ...(onReport ? { onReport } : {}),
      ...(onProgress
        ? { onProgress: (snapshot: ProgressSnapshot) => onProgress(snapshot, req), progressInterval: 200 }
        : {}),
    }).catch((error: unknown) => {
      // A failure (not a client leaving or a timeout): the client already got a 500 or a broken transfer.
      console.error('export failed', error);
    });
  });
}
