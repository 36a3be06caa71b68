import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunReport } from '@sluice/core';
import { map, take, tap } from '@sluice/operators';
import { fromSqlite, type SqliteDatabaseLike } from './index.js';
import { openTestDatabase, seedOrders, SQLITE_DRIVER, type TestDatabase } from './test-driver.js';

interface Order {
  id: number;
  customer: string;
  total: number;
}

/** The real database, with every statement it prepares and every row iterator it hands out counted. */
function watched(db: TestDatabase) {
  const iterators: { nexts: number; returns: number }[] = [];
  const counts = { prepared: 0, iterators };
  const spy: SqliteDatabaseLike = {
    prepare(sql) {
      counts.prepared++;
      const statement = db.prepare(sql);
      return {
        iterate(...params: unknown[]) {
          const rows = statement.iterate(...params);
          const seen = { nexts: 0, returns: 0 };
          iterators.push(seen);
          return {
            next: () => (seen.nexts++, rows.next()),
            return: (value?: unknown) => (seen.returns++, rows.return?.(value) ?? { done: true, value }),
          };
        },
      };
    },
  };
  return { spy, counts };
}

let db: TestDatabase;
beforeEach(async () => {
  db = await openTestDatabase();
  seedOrders(db, 1_050);
});
afterEach(() => db.close());

describe(`fromSqlite (${SQLITE_DRIVER})`, () => {
  it('reads every row of the query in order', async () => {
    const rows = await fromSqlite<Order>(db, 'select id, customer, total from orders order by id').toArray();
    expect(rows).toHaveLength(1_050);
    expect(rows[0]).toEqual({ id: 1, customer: 'customer 1', total: 1.5 });
    expect(rows.map((r) => r.id)).toEqual(Array.from({ length: 1_050 }, (_, i) => i + 1));
  });

  it('binds positional and named parameters', async () => {
    const positional = await fromSqlite<Order>(db, 'select id from orders where id between ? and ?', [3, 5]).toArray();
    const named = await fromSqlite<Order>(db, 'select id from orders where id between :lo and :hi', {
      lo: 7,
      hi: 8,
    }).toArray();
    expect(positional.map((r) => r.id)).toEqual([3, 4, 5]);
    expect(named.map((r) => r.id)).toEqual([7, 8]);
  });

  it('reads batchSize rows per pull and returns the iterator at the short batch, before the last rows reach the consumer', async () => {
    const { spy, counts } = watched(db);
    let returnsAtLastRow = -1;
    const report = await fromSqlite<Order>(spy, 'select id from orders order by id', [], { batchSize: 500 })
      .pipe(
        tap((row: Order) => {
          if (row.id === 1_050) returnsAtLastRow = counts.iterators[0]!.returns;
        }),
      )
      .run();
    expect(report.outcome).toBe('completed');
    expect(report.items).toBe(1_050);
    // 500 + 500 + 50 rows, the 51st next() saw the end: no extra pull after the short batch.
    expect(counts.iterators[0]!.nexts).toBe(1_051);
    expect(returnsAtLastRow).toBe(1);
    expect(counts.iterators[0]!.returns).toBe(1);
    expect(report.source.closedAtMs).not.toBeNull();
  });

  it('asks the driver for no more rows than a downstream take needs, and returns the iterator once', async () => {
    const { spy, counts } = watched(db);
    const rows = await fromSqlite<Order>(spy, 'select id from orders order by id').pipe(take(3)).toArray();
    expect(rows.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(counts.iterators).toEqual([{ nexts: 3, returns: 1 }]);
  });

  it('prepares a fresh statement for every run, so two interleaved runs each read their own rows', async () => {
    const { spy, counts } = watched(db);
    const pipeline = fromSqlite<Order>(spy, 'select id from orders order by id', [], { batchSize: 1 });
    const a = pipeline[Symbol.asyncIterator]();
    const b = pipeline[Symbol.asyncIterator]();
    expect((await a.next()).value).toEqual({ id: 1 });
    expect((await b.next()).value).toEqual({ id: 1 });
    expect((await a.next()).value).toEqual({ id: 2 });
    expect((await b.next()).value).toEqual({ id: 2 });
    await a.return?.();
    await b.return?.();
    expect(counts.prepared).toBe(2);
    expect(counts.iterators.map((i) => i.returns)).toEqual([1, 1]);
  });

  it('returns the iterator when the consumer breaks early', async () => {
    const { spy, counts } = watched(db);
    for await (const row of fromSqlite<Order>(spy, 'select id from orders')) {
      expect(row.id).toBe(1);
      break;
    }
    expect(counts.iterators[0]!.returns).toBe(1);
  });

  it('returns the iterator when the run is aborted mid-way, and rejects with the reason', async () => {
    const { spy, counts } = watched(db);
    const controller = new AbortController();
    const reason = new Error('stop');
    const run = fromSqlite<Order>(spy, 'select id from orders order by id', [], { batchSize: 10 })
      .pipe(tap((row: Order) => row.id === 25 && controller.abort(reason)))
      .run({ signal: controller.signal });
    await expect(run).rejects.toBe(reason);
    expect(counts.iterators[0]!.returns).toBe(1);
    expect(counts.iterators[0]!.nexts).toBeLessThan(1_050);
  });

  it('returns the iterator when a stage throws, and rejects with that error unchanged', async () => {
    const { spy, counts } = watched(db);
    const boom = new Error('boom');
    const run = fromSqlite<Order>(spy, 'select id from orders')
      .pipe(
        map((row: Order) => {
          if (row.id === 3) throw boom;
          return row;
        }),
      )
      .toArray();
    await expect(run).rejects.toBe(boom);
    expect(counts.iterators[0]!.returns).toBe(1);
  });

  it('fails the run with the driver error of a row that cannot be computed, and releases the statement', async () => {
    let report: RunReport | undefined;
    // The third row overflows a 64-bit integer when SQLite steps to it, not when it prepares.
    const sql = 'select v from (select 1 as v union all select 2 union all select abs(-9223372036854775807 - 1))';
    const run = fromSqlite(db, sql, [], { batchSize: 1 }).run({ onReport: (r) => (report = r) });
    await expect(run).rejects.toThrow(/integer overflow/);
    expect(report!.source.items).toBe(2);
    expect(report!.source.closedAtMs).not.toBeNull();
    // Nothing holds the database busy: a write goes through (better-sqlite3 refuses it during an open iterator).
    db.exec("insert into orders values (2000, 'late', 1)");
  });

  it('fails the run with the error of bad SQL, raised on the first pull', async () => {
    const pipeline = fromSqlite(db, 'select nope from orders');
    await expect(pipeline.toArray()).rejects.toThrow(/no such column/);
  });

  it('prepares nothing when the run starts under an aborted signal', async () => {
    const { spy, counts } = watched(db);
    const reason = new Error('already');
    await expect(fromSqlite(spy, 'select id from orders').run({ signal: AbortSignal.abort(reason) })).rejects.toBe(
      reason,
    );
    expect(counts.prepared).toBe(0);
  });

  it('never closes the caller’s database, which can be closed as soon as the run settles', async () => {
    const other = await openTestDatabase();
    seedOrders(other, 10);
    await fromSqlite(other, 'select id from orders').pipe(take(2)).toArray();
    await fromSqlite(other, 'select id from orders').toArray();
    const [{ n }] = (await fromSqlite<{ n: number }>(other, 'select count(*) as n from orders').toArray()) as [
      { n: number },
    ];
    expect(n).toBe(10);
    expect(() => other.close()).not.toThrow();
  });

  it('throws coded errors for bad arguments when called', () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return [(error as Error).name, (error as { code?: string }).code, (error as Error).message];
      }
      return 'no error';
    };
    const call = fromSqlite as (...args: unknown[]) => unknown;
    expect(code(() => call({}, 'select 1'))).toEqual([
      'TypeError',
      'ERR_SLUICE_INVALID_ARGUMENT',
      'fromSqlite(db) must be a SQLite database (with prepare()), got an instance of Object',
    ]);
    expect(code(() => call(db, ''))).toEqual([
      'TypeError',
      'ERR_SLUICE_INVALID_ARGUMENT',
      'fromSqlite(db, sql) must be a non-empty SQL string, got string ""',
    ]);
    expect(code(() => call(db, 'select 1', 5))).toEqual([
      'TypeError',
      'ERR_SLUICE_INVALID_ARGUMENT',
      'fromSqlite(db, sql, params) must be an array of positional parameters or an object of named ones, got number 5',
    ]);
    expect(code(() => call(db, 'select 1', [], { batchSize: 0 }))).toEqual([
      'RangeError',
      'ERR_SLUICE_OPTION_OUT_OF_RANGE',
      'fromSqlite(db, sql, params, options).batchSize must be an integer between 1 and 1000000, got 0',
    ]);
    expect(code(() => call(db, 'select 1', [], { batchsize: 10 }))[1]).toBe('ERR_SLUICE_INVALID_OPTION');
    expect(code(() => call(db, 'select 1', [], { name: 3 }))[1]).toBe('ERR_SLUICE_INVALID_OPTION');
  });
});
