/**
 * The main demo: a CSV export service hit by five clients — one that downloads everything, one
 * that closes the connection after the first chunk, one killed after 256 KiB of an uncompressed
 * body served from a synchronous driver, one too slow for the deadline, and a slow reader whose
 * export fits in the read-ahead buffer — and what sluice's reports say about each:
 * how it ended, and how long the database cursor was held.
 * Run: pnpm demo
 */
import { get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGunzip } from 'node:zlib';
import type { SendReport } from '@sluice/adapters/http';
import { openOrdersStore, type OrdersStore } from './db.js';
import { createExportServer } from './server.js';

const ROWS = 200_000;

function request(port: number, gzip: boolean, onResponse: (res: IncomingMessage, abort: () => void) => void): void {
  const headers = gzip ? { 'accept-encoding': 'gzip' } : {};
  const req = get({ port, host: '127.0.0.1', path: '/orders.csv', headers }, (res) => {
    res.on('error', () => undefined);
    onResponse(res, () => req.destroy());
  });
  req.on('error', () => undefined);
}

async function serve(
  db: OrdersStore,
  timeout: number,
  readAhead: number,
  client: (port: number) => Promise<string>,
): Promise<{ report: SendReport; client: string }> {
  let reported!: (report: SendReport) => void;
  const report = new Promise<SendReport>((resolve) => (reported = resolve));
  const server = createExportServer({ db, timeout, readAhead, onReport: reported });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const seen = client(port);
  const result = await report;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  return { report: result, client: await seen };
}

const fullDownload = (port: number) =>
  new Promise<string>((resolve) => {
    let lines = 0;
    request(port, true, (res) => {
      const body = res.pipe(createGunzip());
      body.on('data', (chunk: Buffer) => {
        for (const byte of chunk) if (byte === 0x0a) lines++;
      });
      body.on('end', () =>
        resolve(`status ${res.statusCode}, ${res.headers['content-encoding']}, ${lines.toLocaleString('en-US')} lines`),
      );
    });
  });

const disconnectAfterFirstChunk = (port: number) =>
  new Promise<string>((resolve) => {
    request(port, true, (res, abort) => {
      res.once('data', (chunk: Buffer) => {
        abort();
        resolve(`status ${res.statusCode}, read ${chunk.length} bytes, then closed the connection`);
      });
    });
  });

// curl killed mid-download: reads 256 KiB of the uncompressed body, then the connection is gone.
const killedAfter256KiB = (port: number) =>
  new Promise<string>((resolve) => {
    request(port, false, (res, abort) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes < 256 * 1024) return;
        abort();
        resolve(`status ${res.statusCode}, read ${bytes.toLocaleString('en-US')} bytes uncompressed, then was killed`);
      });
    });
  });

const neverReads = (port: number) =>
  new Promise<string>((resolve) => {
    // Uncompressed, so the body is larger than what the kernel's socket buffers absorb.
    request(port, false, (res) => {
      res.pause(); // a phone on a bad network: the server's writes back up
      resolve(`status ${res.statusCode}, then stopped reading`);
    });
  });

// A phone on a slow network: reads a chunk, waits, reads the next.
const slowReader = (port: number) =>
  new Promise<string>((resolve) => {
    request(port, false, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        res.pause();
        setTimeout(() => res.resume(), 20);
      });
      res.on('end', () => resolve(`status ${res.statusCode}, read ${bytes.toLocaleString('en-US')} bytes slowly`));
    });
  });

// An embedded SQLite file by default; PostgreSQL with DATABASE_URL=postgres://…
const db = await openOrdersStore(ROWS);
const small = await openOrdersStore(100_000);
const scenarios = [
  { name: 'full download', db, timeout: 30_000, readAhead: 2000, client: fullDownload },
  { name: 'client disconnects', db, timeout: 30_000, readAhead: 2000, client: disconnectAfterFirstChunk },
  {
    name: `client killed mid-download, no gzip (${db.kind}: its reads ${db.kind === 'sqlite' ? 'return at once' : 'await the server'})`,
    db,
    timeout: 30_000,
    readAhead: 2000,
    client: killedAfter256KiB,
  },
  { name: 'slow client, 300 ms deadline', db, timeout: 300, readAhead: 2000, client: neverReads },
  {
    name: 'slow client, 100,000 rows, buffer(100000): the cursor is released early',
    db: small,
    timeout: 30_000,
    readAhead: 100_000,
    client: slowReader,
  },
];

console.log(
  `sluice CSV export demo: GET /orders.csv (${ROWS.toLocaleString('en-US')} orders in ${db.kind}; 100,000 in the last scenario)\n`,
);
for (const { name, db, timeout, readAhead, client } of scenarios) {
  const { report, client: seen } = await serve(db, timeout, readAhead, client);
  const { run } = report;
  console.log(`■ ${name}`);
  console.log(`  client:  ${seen}`);
  console.log(
    `  server:  outcome ${report.outcome}, ${report.bytes.toLocaleString('en-US')} bytes sent (${report.encoding})`,
  );
  console.log(
    `  cursor:  ${run.source.items.toLocaleString('en-US')} rows read, held ${run.source.heldMs.toFixed(0)} ms of a ${run.durationMs.toFixed(0)} ms response, open cursors now: ${db.openCursors}`,
  );
  console.log(`  stages:  ${run.stages.map((s) => `${s.name} ${s.itemsIn}→${s.itemsOut}`).join(', ')}\n`);
}
const opened = db.cursorsOpened + small.cursorsOpened;
const open = db.openCursors + small.openCursors;
console.log(`${opened} cursors opened, ${open} left open.`);
if (open !== 0) process.exitCode = 1;
await Promise.all([db.close(), small.close()]);
