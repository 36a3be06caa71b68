import { expect, it } from 'vitest';
import type { RunReport } from '@sluice/core';
import { fromPostgres } from './index.js';
import { activeBackends, describePg, testPool, waitUntil } from './test-server.js';

/** A query whose one batch takes about 3 s on the server: 300 rows, 10 ms each. */
const SLOW = (marker: string) => `select g, pg_sleep(0.01) as ${marker} from generate_series(1, 300) g`;

describePg('fromPostgres under abort and broken connections', () => {
  it('stops the running query on the server within milliseconds of an abort, then returns the client usable', async () => {
    const pool = testPool(1);
    const admin = testPool(1);
    const marker = `cancel_${process.pid}`;
    const controller = new AbortController();
    const reason = new Error('client left');
    let report!: RunReport;
    const run = fromPostgres(pool, SLOW(marker), [], { batchSize: 300 }).run({
      signal: controller.signal,
      onReport: (r) => (report = r),
    });
    await waitUntil(async () => (await activeBackends(admin, marker)).length === 1, 2000, 'the query running');

    const abortedAt = performance.now();
    controller.abort(reason);
    await expect(run).rejects.toBe(reason);
    const goneAfterMs = await waitUntil(
      async () => (await activeBackends(admin, marker)).length === 0,
      2000,
      'the query gone',
    );
    await report.closed;
    const releasedAfterMs = performance.now() - abortedAt;

    console.log(
      `[measure] cancel: query gone from pg_stat_activity ${goneAfterMs.toFixed(0)} ms after the abort; client back ${releasedAfterMs.toFixed(0)} ms after`,
    );
    expect(goneAfterMs).toBeLessThan(200);
    expect(releasedAfterMs).toBeLessThan(1000);
    expect({ idle: pool.idleCount, total: pool.totalCount }).toEqual({ idle: 1, total: 1 });
    // The same connection runs the next query, untouched by the cancel.
    expect((await pool.query('select 1 as ok')).rows).toEqual([{ ok: 1 }]);
  });

  it('fails the run without crashing the process when the backend is terminated mid-read, and never returns that client', async () => {
    const pool = testPool(1);
    const admin = testPool(1);
    const marker = `terminate_${process.pid}`;
    // Caught from the start: the run may fail while the test still awaits the admin's query.
    const failed = fromPostgres(pool, SLOW(marker), [], { batchSize: 300 })
      .toArray()
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    await waitUntil(async () => (await activeBackends(admin, marker)).length === 1, 2000, 'the query running');
    const [pid] = await activeBackends(admin, marker);

    await admin.query('select pg_terminate_backend($1)', [pid]);
    expect(await failed).toMatchObject({ code: '57P01' });
    expect(pool.totalCount).toBe(0);
    // The pool opens a fresh connection for the next query.
    expect((await pool.query('select pg_backend_pid() as pid')).rows[0].pid).not.toBe(pid);
  });

  it('does not hang when the pool is ended during a run', async () => {
    const pool = testPool(1);
    const rows: unknown[] = [];
    let ended: Promise<void> | undefined;
    const run = fromPostgres(pool, 'select g from generate_series(1, 2000) g', [], { batchSize: 100 })
      .pipe(async function* (source) {
        for await (const row of source) {
          if (rows.push(row) === 150) ended = pool.end();
          yield row;
        }
      })
      .toArray();
    // The checked-out client finishes its query; the pool ends once it is given back.
    await expect(run).resolves.toHaveLength(2000);
    await ended;
    expect({ total: pool.totalCount, ended: pool.ended }).toEqual({ total: 0, ended: true });
  });
});
