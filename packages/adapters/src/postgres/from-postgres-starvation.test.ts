import { createServer, request, type ClientRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { beforeAll, expect, it } from 'vitest';
import type pg from 'pg';
import { deferred } from '@sluice/core/testing';
import { buffer, formatCsv } from '@sluice/operators';
import { sendPipeline } from '../http/index.js';
import { fromPostgres } from './index.js';
import { closeAfterTest, describePg, tableName, testPool } from './test-server.js';

const ROWS = 10_000;
const CLIENTS = 20;
const ORDERS = tableName('starve_orders');

/** `/export` streams the table as CSV through `buffer(readAhead)`; `/fast` runs one small query. */
async function service(pool: pg.Pool, readAhead: number): Promise<{ port: number; finished: () => number }> {
  let finished = 0;
  const server = createServer((req, res) => {
    if (req.url === '/fast') {
      pool.query('select 1').then(
        () => res.end('ok'),
        () => res.writeHead(500).end(),
      );
      return;
    }
    const csv = fromPostgres(pool, `select * from ${ORDERS} order by id`).pipe(buffer(readAhead), formatCsv());
    void sendPipeline(req, res, csv, { contentType: 'text/csv', timeout: 60_000, onReport: () => finished++ }).catch(
      () => undefined,
    );
  });
  closeAfterTest(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, finished: () => finished };
}

/** A client that takes the response headers and then stops reading (a stalled phone): each export, about 4 MB, is more than the socket buffers hold. */
function stalledClient(port: number): ClientRequest {
  const req = request({ host: '127.0.0.1', port, path: '/export', agent: false }, (res) => res.pause());
  req.on('error', () => undefined);
  req.end();
  return req;
}

function fastRequest(port: number): Promise<number> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/fast', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(performance.now() - start));
    });
    req.on('error', reject);
    req.end();
  });
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(check()).toBe(true);
}

describePg('fromPostgres under many slow clients', () => {
  beforeAll(async () => {
    const setup = testPool(1);
    await setup.query(`create table ${ORDERS} (id int primary key, customer text, total int, note text)`);
    await setup.query(
      `insert into ${ORDERS} select g, 'customer ' || (g % 97), g * 7, repeat('x', 400) from generate_series(1, ${ROWS}) g`,
    );
  });

  it(`serves a fast request at once while ${CLIENTS} stalled clients download from a pool of 2, when the exports read ahead`, async () => {
    const pool = testPool(2);
    const { port, finished } = await service(pool, ROWS);
    let released = 0;
    const allReleased = deferred<void>();
    pool.on('release', () => ++released === CLIENTS && allReleased.resolve());
    const clients = Array.from({ length: CLIENTS }, () => stalledClient(port));

    // Every export read its rows and gave its connection back while its client sat stalled.
    await allReleased.promise;
    const latency = await fastRequest(port);
    // How many responses the kernel's socket buffers absorbed whole differs per Node line (all 20 on 26).
    console.log(
      `[measure] starvation, buffer(${ROWS}): fast request served in ${latency.toFixed(0)} ms; ${CLIENTS - finished()} of ${CLIENTS} downloads still sending`,
    );
    expect({ idle: pool.idleCount, waiting: pool.waitingCount }).toEqual({ idle: 2, waiting: 0 });
    expect(latency).toBeLessThan(1000);
    for (const client of clients) client.destroy();
  });

  it('without the read-ahead, the stalled downloads hold the pool and the fast request waits until they leave', async () => {
    const pool = testPool(2);
    const { port } = await service(pool, 1);
    const clients = Array.from({ length: CLIENTS }, () => stalledClient(port));
    await until(() => pool.totalCount === 2 && pool.waitingCount === CLIENTS - 2);

    const fast = fastRequest(port);
    await until(() => pool.waitingCount === CLIENTS - 1);
    const leftAt = performance.now();
    for (const client of clients) client.destroy();
    const latency = await fast;
    const afterLeave = performance.now() - leftAt;
    console.log(
      `[measure] starvation, no buffer: the fast request queued behind ${CLIENTS - 1} stalled exports, waited ${latency.toFixed(0)} ms in all and was served ${afterLeave.toFixed(0)} ms after the stalled clients left`,
    );
    await until(() => pool.idleCount === 2 && pool.waitingCount === 0);
  });
});
