/**
 * The demo as a web service a person can watch: `/` is a page that starts an export, shows its
 * progress, cancels it, and shows live counters (Server-Sent Events from `/events`) of open
 * cursors, checked-out connections, runs in flight and, for each export still running, what its
 * run's `onProgress` says (rows read, bytes sent, the cursor's state). `/orders.csv` is the
 * export of server.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:http';
import type { SendReport } from '@sluice/adapters/http';
import type { OrdersStore } from './db.js';
import { createExportServer } from './server.js';
import { PAGE } from './web-page.js';

/** One finished export, as the page lists it. */
export interface ExportSummary {
  readonly outcome: SendReport['outcome'];
  readonly rows: number;
  readonly bytes: number;
  /** How long the cursor was held, and how long the response took. */
  readonly heldMs: number;
  readonly durationMs: number;
}

/** An export still running, from its run's latest progress snapshot. */
export interface RunningExport {
  readonly rowsRead: number;
  readonly bytesSent: number;
  readonly cursor: 'pending' | 'open' | 'closed';
  readonly elapsedMs: number;
}

export interface Counters {
  readonly database: OrdersStore['kind'];
  readonly openCursors: number;
  readonly cursorsOpened: number;
  /** PostgreSQL: clients checked out of the pool right now (SQLite: null). */
  readonly checkedOut: number | null;
  readonly runsInFlight: number;
  readonly running: readonly RunningExport[];
  readonly exports: readonly ExportSummary[];
}

export interface DemoServerOptions {
  readonly store: OrdersStore;
  readonly readAhead?: number;
  readonly timeout?: number;
  /** Called with the report of every export (after the counters were updated). */
  readonly onReport?: (report: SendReport) => void;
}

export interface DemoServer {
  readonly server: Server;
  counters(): Counters;
}

export function createDemoServer({
  store,
  readAhead = 2000,
  timeout = 120_000,
  onReport,
}: DemoServerOptions): DemoServer {
  const exports: ExportSummary[] = [];
  const watchers = new Set<ServerResponse>();
  const running = new Map<IncomingMessage, RunningExport>();
  let runsInFlight = 0;

  const counters = (): Counters => ({
    database: store.kind,
    openCursors: store.openCursors,
    cursorsOpened: store.cursorsOpened,
    checkedOut: store.pool ? store.pool.total - store.pool.idle : null,
    runsInFlight,
    running: [...running.values()],
    exports: exports.slice(-10),
  });
  const publish = () => {
    const event = `data: ${JSON.stringify(counters())}\n\n`;
    for (const res of watchers) res.write(event);
  };

  const exporter = createExportServer({
    db: store,
    readAhead,
    timeout,
    onReport: (report) => {
      runsInFlight--;
      const { outcome, bytes, run } = report;
      exports.push({ outcome, rows: run.source.items, bytes, heldMs: run.source.heldMs, durationMs: run.durationMs });
      publish();
      onReport?.(report);
    },
    onProgress: (snapshot, req) => {
      if (snapshot.final) running.delete(req);
      else
        running.set(req, {
          rowsRead: snapshot.source.items,
          bytesSent: snapshot.bytes,
          cursor: snapshot.source.state,
          elapsedMs: snapshot.elapsedMs,
        });
    },
  });

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/orders.csv') {
      runsInFlight++;
      publish();
      exporter.emit('request', req, res);
      return;
    }
    if (path === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      watchers.add(res);
      res.on('close', () => watchers.delete(res));
      res.write(`data: ${JSON.stringify(counters())}\n\n`);
      return;
    }
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(PAGE);
      return;
    }
    res.writeHead(404).end('not found\n');
  });
  // Cursors open and close between exports' reports: the page sees them move while a download runs.
  const ticker = setInterval(() => watchers.size > 0 && publish(), 200);
  ticker.unref();
  server.on('close', () => {
    clearInterval(ticker);
    for (const res of watchers) res.end();
  });
  return { server, counters };
}
