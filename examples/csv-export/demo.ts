/**
 * The main demo: a CSV export service hit by three clients — one that downloads everything, one
 * that closes the connection after the first chunk, and one too slow for the deadline — and what
 * sluice's reports say about each: how it ended, and how long the database cursor was held.
 * Run: pnpm demo
 */
import { get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGunzip } from 'node:zlib';
import type { SendReport } from '@sluice/adapters/http';
import { OrdersDb } from './orders-db.js';
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

async function serve(db: OrdersDb, timeout: number, client: (port: number) => Promise<string>): Promise<{ report: SendReport; client: string }> {
  let reported!: (report: SendReport) => void;
  const report = new Promise<SendReport>((resolve) => (reported = resolve));
  const server = createExportServer({ db, timeout, onReport: reported });
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
      body.on('end', () => resolve(`status ${res.statusCode}, ${res.headers['content-encoding']}, ${lines.toLocaleString('en-US')} lines`));
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

const neverReads = (port: number) =>
  new Promise<string>((resolve) => {
    // Uncompressed, so the body is larger than what the kernel's socket buffers absorb.
    request(port, false, (res) => {
      res.pause(); // a phone on a bad network: the server's writes back up
      resolve(`status ${res.statusCode}, then stopped reading`);
    });
  });

const scenarios = [
  { name: 'full download', timeout: 30_000, client: fullDownload },
  { name: 'client disconnects', timeout: 30_000, client: disconnectAfterFirstChunk },
  { name: 'slow client, 300 ms deadline', timeout: 300, client: neverReads },
];

console.log(`sluice CSV export demo: ${ROWS.toLocaleString('en-US')} orders, GET /orders.csv\n`);
const db = new OrdersDb(ROWS);
for (const { name, timeout, client } of scenarios) {
  const { report, client: seen } = await serve(db, timeout, client);
  const { run } = report;
  console.log(`■ ${name}`);
  console.log(`  client:  ${seen}`);
  console.log(`  server:  outcome ${report.outcome}, ${report.bytes.toLocaleString('en-US')} bytes sent (${report.encoding})`);
  console.log(
    `  cursor:  ${run.source.items.toLocaleString('en-US')} rows read, held ${run.source.heldMs.toFixed(0)} ms of a ${run.durationMs.toFixed(0)} ms response, open cursors now: ${db.openCursors}`,
  );
  console.log(`  stages:  ${run.stages.map((s) => `${s.name} ${s.itemsIn}→${s.itemsOut}`).join(', ')}\n`);
}
console.log(`${db.cursorsOpened} cursors opened, ${db.openCursors} left open.`);
if (db.openCursors !== 0) process.exitCode = 1;
