import { beforeAll, expect, it } from 'vitest';
import type pg from 'pg';
import type { RunReport, Stage } from '@sluice/core';
import { liveAbortListenersAfter } from '@sluice/core/testing';
import { take } from '@sluice/operators';
import { fromPostgres } from './index.js';
import { describePg, tableName, testPool } from './test-server.js';

interface Order {
  id: number;
  customer: string;
}

const ORDERS = tableName('orders');

/** A stage that runs `atLast` when the row with `lastId` passes, before handing it on. */
function atRow<T extends { id: number }>(lastId: number, atLast: () => Promise<void> | void): Stage<T, T> {
  return async function* (source) {
    for await (const row of source) {
      if (row.id === lastId) await atLast();
      yield row;
    }
  };
}

describePg('fromPostgres', () => {
  let setup: pg.Pool;
  beforeAll(async () => {
    setup = testPool(1);
    await setup.query(`create table ${ORDERS} (id int primary key, customer text not null)`);
    await setup.query(`insert into ${ORDERS} select g, 'customer ' || (g % 7) from generate_series(1, 1234) g`);
  });

  it('leaves no abort listener from the checkout and the cursor reads once the query was read out', async () => {
    const pool = testPool(1);
    const live = await liveAbortListenersAfter(async () => {
      const rows = await fromPostgres<Order>(pool, `select id from ${ORDERS} order by id`, [], {
        batchSize: 100,
      }).toArray();
      expect(rows).toHaveLength(1234);
    });
    expect(live).toBe(0);
  });

  it('reads every row of the query in order, with its parameters bound', async () => {
    const pool = testPool(1);
    const rows = await fromPostgres<Order>(
      pool,
      `select id, customer from ${ORDERS} where id > $1 order by id`,
      [4],
    ).toArray();
    expect(rows).toHaveLength(1230);
    expect(rows[0]).toEqual({ id: 5, customer: 'customer 5' });
    expect(rows.at(-1)).toEqual({ id: 1234, customer: 'customer 2' });
  });

  it('returns the client to the pool at the short batch, before the last rows reach the consumer', async () => {
    const pool = testPool(1);
    let atLastRow: { idle: number; total: number; other: unknown } | undefined;
    let report!: RunReport;
    await fromPostgres<Order>(pool, `select id from ${ORDERS} order by id`, [], { batchSize: 500 })
      .pipe(
        atRow(1234, async () => {
          const idle = pool.idleCount;
          // The pool has one connection: this query runs only because the cursor gave it back.
          const { rows } = await pool.query('select 42 as other');
          atLastRow = { idle, total: pool.totalCount, other: rows[0].other };
        }),
      )
      .run({ onReport: (r) => (report = r) });
    expect(atLastRow).toEqual({ idle: 1, total: 1, other: 42 });
    expect(report.outcome).toBe('completed');
    expect(report.source.items).toBe(1234);
    expect(report.source.closedAtMs).not.toBeNull();
  });

  it('ends with an empty read when the last batch is exactly full, and returns the client', async () => {
    const pool = testPool(1);
    const rows = await fromPostgres<Order>(pool, `select id from ${ORDERS} where id <= 1000`, [], {
      batchSize: 500,
    }).toArray();
    expect(rows).toHaveLength(1000);
    expect({ idle: pool.idleCount, total: pool.totalCount }).toEqual({ idle: 1, total: 1 });
  });

  it('reads no more rows than a downstream take needs, and returns the client usable', async () => {
    const pool = testPool(1);
    const rows = await fromPostgres<Order>(pool, `select id from ${ORDERS} order by id`).pipe(take(3)).toArray();
    expect(rows.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(pool.idleCount).toBe(1);
    expect((await pool.query('select 1 as ok')).rows).toEqual([{ ok: 1 }]);
  });

  it('fails the run with the SQL error unchanged and returns the client usable', async () => {
    const pool = testPool(1);
    const run = fromPostgres(pool, 'select 1 / (g - 3) from generate_series(1, 5) g', [], { batchSize: 1 }).toArray();
    await expect(run).rejects.toMatchObject({ code: '22012' });
    expect({ idle: pool.idleCount, total: pool.totalCount }).toEqual({ idle: 1, total: 1 });
    expect((await pool.query('select 1 as ok')).rows).toEqual([{ ok: 1 }]);
  });

  it('fails a run aborted while waiting for a client at once, and gives the late client straight back', async () => {
    const pool = testPool(1);
    const holder = await pool.connect();
    const controller = new AbortController();
    const reason = new Error('gave up waiting');
    const run = fromPostgres(pool, `select id from ${ORDERS}`).run({ signal: controller.signal });
    // Let the run ask the pool (its first pull) before aborting.
    for (let i = 0; i < 50 && pool.waitingCount === 0; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(pool.waitingCount).toBe(1);
    controller.abort(reason);
    await expect(run).rejects.toBe(reason);
    holder.release();
    // The pool hands the freed client to the aborted run's wait, which releases it at once.
    for (let i = 0; i < 50 && pool.idleCount === 0; i++) await new Promise((resolve) => setImmediate(resolve));
    expect({ idle: pool.idleCount, total: pool.totalCount, waiting: pool.waitingCount }).toEqual({
      idle: 1,
      total: 1,
      waiting: 0,
    });
  });

  it('throws coded errors for bad arguments when called', () => {
    const pool = testPool(1);
    const call = fromPostgres as (...args: unknown[]) => unknown;
    expect(() => call({}, 'select 1')).toThrow(
      expect.objectContaining({
        code: 'ERR_SLUICE_INVALID_ARGUMENT',
        message: 'fromPostgres(pool) must be a pg Pool (with connect()), got an instance of Object',
      }),
    );
    expect(() => call(pool, 42)).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_ARGUMENT' }));
    expect(() => call(pool, 'select $1', { a: 1 })).toThrow(
      expect.objectContaining({
        code: 'ERR_SLUICE_INVALID_ARGUMENT',
        message: 'fromPostgres(pool, sql, params) must be an array of parameters, got an instance of Object',
      }),
    );
    expect(() => call(pool, 'select 1', [], { batchSize: -1 })).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE' }),
    );
    expect(() => call(pool, 'select 1', [], { cancelTimeout: 'soon' })).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }),
    );
    expect(() => call(pool, 'select 1', [], { timeout: 5 })).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }),
    );
  });

  it('runs the documented example', async () => {
    const pool = testPool(1);
    const ids = await fromPostgres<{ id: number }>(
      pool,
      `select id from ${ORDERS} where id < $1 order by id`,
      [3],
    ).toArray();
    expect(ids).toEqual([{ id: 1 }, { id: 2 }]);
  });
});
