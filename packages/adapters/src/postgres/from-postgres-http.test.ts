import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { beforeAll, expect, it } from 'vitest';
import type pg from 'pg';
import { deferred } from '@sluice/core/testing';
import { buffer, formatCsv } from '@sluice/operators';
import { sendPipeline, type SendReport } from '../http/index.js';
import { fromPostgres } from './index.js';
import { activeBackends, closeAfterTest, describePg, tableName, testPool, waitUntil } from './test-server.js';

const ROWS = 100_000;
const ORDERS = tableName('export_orders');

/** An HTTP server answering every request with the CSV export of `sql`; resolves its first report. */
async function exportServer(pool: pg.Pool, sql: string, readAhead: number, batchSize: number) {
  const report = deferred<SendReport>();
  const server = createServer((req, res) => {
    const csv = fromPostgres(pool, sql, [], { batchSize }).pipe(buffer(readAhead), formatCsv());
    void sendPipeline(req, res, csv, { contentType: 'text/csv', onReport: (r) => report.resolve(r) }).catch(
      () => undefined,
    );
  });
  closeAfterTest(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, report: report.promise };
}

function get(
  port: number,
  onResponse: (res: IncomingMessage) => void,
  onRequest?: (destroy: () => void) => void,
): void {
  const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
    res.on('error', () => undefined);
    onResponse(res);
  });
  req.on('error', () => undefined);
  req.end();
  onRequest?.(() => req.destroy());
}

describePg('fromPostgres behind an HTTP response', () => {
  beforeAll(async () => {
    const setup = testPool(1);
    await setup.query(
      `create table ${ORDERS} (id int primary key, customer text, total numeric(10, 2), placed_at timestamptz)`,
    );
    await setup.query(
      `insert into ${ORDERS} select g, 'customer ' || (g % 97), (g * 7919 % 100000) / 100.0, timestamptz '2026-01-01' + g * interval '1 minute' from generate_series(1, ${ROWS}) g`,
    );
  });

  it('gives the connection back long before a slow client has the export, so the one-connection pool serves another query meanwhile', async () => {
    const pool = testPool(1);
    const { port, report } = await exportServer(pool, `select * from ${ORDERS} order by id`, ROWS, 500);
    const released = deferred<number>();
    pool.once('release', () => released.resolve(performance.now()));
    const otherQueryDone = deferred<number>();
    const downloaded = deferred<number>();
    const start = performance.now();
    let bytes = 0;
    let bytesAtRelease = -1;
    void released.promise.then(async () => {
      bytesAtRelease = bytes;
      // Pool size 1: this runs only because the export's client was given back.
      await pool.query(`select count(*) from ${ORDERS}`);
      otherQueryDone.resolve(performance.now());
    });

    // A client on a slow link: about 1 MB/s, so the 5 MB export takes about five seconds.
    get(port, (res) => {
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        res.pause();
        setTimeout(() => res.resume(), chunk.length / 1000);
      });
      res.on('end', () => downloaded.resolve(performance.now()));
    });

    const doneAt = await downloaded.promise;
    const { outcome, run } = await report;
    const releasedAt = await released.promise;
    const otherAt = await otherQueryDone.promise;
    console.log(
      `[measure] release on exhaustion: ${ROWS} rows, ${bytes} bytes; connection back after ${(releasedAt - start).toFixed(0)} ms ` +
        `(${bytesAtRelease} bytes delivered by then), other query done after ${(otherAt - start).toFixed(0)} ms, download done after ` +
        `${(doneAt - start).toFixed(0)} ms; report: source held ${run.source.heldMs.toFixed(0)} of ${run.durationMs.toFixed(0)} ms`,
    );
    expect(outcome).toBe('completed');
    expect(run.source.items).toBe(ROWS);
    expect(bytesAtRelease).toBeLessThan(bytes * 0.75);
    expect(otherAt).toBeLessThan(doneAt);
    // Held for a fraction of the download, and the report says so. At rest the connection is back
    // after 20–30 % of the download; under a load average of 20 on 2 cores the PostgreSQL reads slow
    // down more than the throttled client does and 0.61–0.72 was seen. A release at the end of the
    // download (the bug this guards against) is 1.0, so the bound is 0.8.
    expect(releasedAt - start).toBeLessThan((doneAt - start) * 0.8);
    expect(run.source.heldMs).toBeLessThan((doneAt - start) * 0.8);
    expect({ idle: pool.idleCount, total: pool.totalCount }).toEqual({ idle: 1, total: 1 });
  });

  it('cancels the query on the server and gives the connection back when the client disconnects', async () => {
    const pool = testPool(1);
    const admin = testPool(1);
    const marker = `gone_${process.pid}`;
    // 100 rows per read, 5 ms each: every read keeps the server busy for half a second.
    const sql = `select g, pg_sleep(0.005) as ${marker} from generate_series(1, 5000) g`;
    const { port, report } = await exportServer(pool, sql, 1, 100);
    let leave!: () => void;
    // Nothing reaches the client before the CSV's first 64 KiB: it leaves while the query runs.
    get(
      port,
      () => undefined,
      (destroy) => (leave = destroy),
    );
    await waitUntil(async () => (await activeBackends(admin, marker)).length === 1, 5000, 'the export query running');
    const leftAt = performance.now();
    leave();
    const { outcome, run } = await report;
    const goneMs = await waitUntil(
      async () => (await activeBackends(admin, marker)).length === 0,
      2000,
      'the query gone',
    );
    await run.closed;
    const goneAfterLeave = performance.now() - leftAt;
    console.log(
      `[measure] client gone: query gone from pg_stat_activity and connection back within ${goneAfterLeave.toFixed(0)} ms of the disconnect (${goneMs.toFixed(0)} ms of polling)`,
    );
    expect(outcome).toBe('client-gone');
    expect(run.source.items).toBeLessThan(5000);
    // From the socket's close through the server noticing it, the cancel, the report and the polling:
    // 8–10 ms here when the machine is quiet, 524 ms seen once at load 13 on 2 cores. The cancel's own
    // bound (200 ms from the abort) is tested in from-postgres-cancel.test.ts.
    expect(goneAfterLeave).toBeLessThan(2000);
    expect({ idle: pool.idleCount, total: pool.totalCount }).toEqual({ idle: 1, total: 1 });
    expect((await pool.query('select 1 as ok')).rows).toEqual([{ ok: 1 }]);
  });
});
