import { fromResource, type Pipeline } from '@sluice/core';
import { validateDriver, validateParams, validateQueryOptions, validateSql } from '../internal/query-args.js';

/**
 * The statement shape better-sqlite3 and `node:sqlite` share: `iterate(...params)` steps through
 * the rows one `next()` at a time, and `return()` resets the statement.
 */
export interface SqliteStatementLike {
  /** Runs the statement and yields its rows one by one (typed `any[]`: each driver declares its own parameters). */
  iterate(...params: any[]): Iterator<unknown>;
}

/** A database: better-sqlite3's `Database` or `node:sqlite`'s `DatabaseSync`. */
export interface SqliteDatabaseLike {
  /** Prepares a statement; `fromSqlite` prepares a fresh one per run. */
  prepare(sql: string): SqliteStatementLike;
}

/** Parameters: positional (`?`) as an array, or named (`:id`, `@id`, `$id`) as one object. */
export type SqliteParams = readonly unknown[] | Readonly<Record<string, unknown>>;

/** Options of `fromSqlite()`. */
export interface FromSqliteOptions {
  /**
   * Rows read per pull (default 500). SQLite reads synchronously, so one pull blocks the event
   * loop for about batchSize × 1–3 µs: keep it small on a server.
   */
  readonly batchSize?: number;
  /** Names the source in reports (default `'fromSqlite'`). */
  readonly name?: string;
}

/**
 * Starts a pipeline over the rows of a SQLite query, with better-sqlite3 or Node's `node:sqlite`.
 *
 * Contract:
 * - Lazy: the statement is prepared and iterated on the first pull of each run — a fresh
 *   statement per run (on Node 22 a second `iterate()` of one statement silently redirects the
 *   first iterator), never under an aborted signal.
 * - Read-ahead: up to `batchSize` rows per pull, fewer when downstream asks for fewer (a `take`).
 *   A pull returns at once: this is a synchronous source.
 * - The row iterator is returned exactly once: as soon as a short batch shows the rows are
 *   exhausted (before those rows reach the consumer), or on error, abort or early exit. After the
 *   run settles nothing holds the database busy, so the caller may close it (better-sqlite3
 *   refuses `close()` while an iterator is open). The database itself is never closed.
 * - Errors from `prepare` (bad SQL) or from a row (a runtime error) fail the run unchanged.
 * - Arguments are checked at call time (coded `TypeError`/`RangeError`).
 *
 * @example
 * ```ts doctest
 * import Database from 'better-sqlite3'; // or, on Node 22 and later: new DatabaseSync() from 'node:sqlite'
 *
 * const db = new Database(':memory:');
 * db.exec('create table orders (id integer primary key); insert into orders values (1), (2), (3)');
 * const rows = await fromSqlite<{ id: number }>(db, 'select id from orders where id < ?', [3]).toArray();
 * rows; // => [{ id: 1 }, { id: 2 }]
 * db.close(); // nothing holds it busy once the run settled
 * ```
 */
export function fromSqlite<Row = Record<string, unknown>>(
  db: SqliteDatabaseLike,
  sql: string,
  params?: SqliteParams,
  options: FromSqliteOptions = {},
): Pipeline<Row> {
  validateDriver(db, ['prepare'], 'a SQLite database', 'fromSqlite(db)');
  validateSql(sql, 'fromSqlite(db, sql)');
  validateParams(params, 'fromSqlite(db, sql, params)', true);
  const { batchSize, name } = validateQueryOptions(
    options,
    ['batchSize', 'name'],
    'fromSqlite(db, sql, params, options)',
    'fromSqlite',
  );
  const args: unknown[] = params === undefined ? [] : Array.isArray(params) ? [...params] : [{ ...params }];
  return fromResource<Iterator<unknown>, Row>({
    name,
    open: () => db.prepare(sql).iterate(...args),
    read: (rows, { hint }) => {
      const want = Math.min(batchSize, hint ?? batchSize);
      const items: Row[] = [];
      while (items.length < want) {
        const step = rows.next();
        if (step.done) return { items, last: true };
        items.push(step.value as Row);
      }
      return items;
    },
    close: (rows) => {
      rows.return?.();
    },
  });
}
