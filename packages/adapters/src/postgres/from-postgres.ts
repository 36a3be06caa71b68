import Cursor from 'pg-cursor';
import { fromResource, type Pipeline } from '@sluice/core';
import { onAbort, validateInteger } from '@sluice/core/kit';
import { validateDriver, validateParams, validateQueryOptions, validateSql } from '../internal/query-args.js';
import { sendCancelRequest } from './cancel.js';
import { checkOut, giveBack, within, type Checkout } from './checkout.js';
import { isConnectionError, type PgBackendKey, type PgPoolLike } from './pg-like.js';

/** Options of `fromPostgres()`. */
export interface FromPostgresOptions {
  /** Rows per `cursor.read()`: one round trip each (default 500). */
  readonly batchSize?: number;
  /** Names the source in reports (default `'fromPostgres'`). */
  readonly name?: string;
  /**
   * Milliseconds an aborted run waits for the server to stop the running query, and then for the
   * cursor to close, before it destroys the connection instead (default 1000).
   */
  readonly cancelTimeout?: number;
}

interface OpenQuery<Row> {
  readonly checkout: Checkout;
  readonly cursor: Cursor<Row>;
  /** Set once a CancelRequest went out: settles when the server has signalled the backend. */
  cancel: Promise<boolean> | undefined;
  /** A read failed: the server dropped the portal with its transaction, there is nothing to close. */
  failed: boolean;
}

/**
 * Starts a pipeline over the rows of a PostgreSQL query, read through a server-side cursor
 * (`pg` + `pg-cursor`) on a client taken from the pool.
 *
 * Contract:
 * - Lazy: the client is checked out on the first pull of each run, the wait for it raced against
 *   the run's signal (a client that arrives after an abort goes straight back to the pool).
 * - Read-ahead: one `cursor.read(n)` per pull — one round trip of at most `batchSize` rows, fewer
 *   when downstream asks for fewer (a `take`); nothing is read between pulls.
 * - Release on exhaustion: a short batch means the server has finished the query and the backend
 *   is idle, so the client goes back to the pool right there, before those rows reach the
 *   consumer (`buffer(n)` downstream frees the connection while a slow client still downloads).
 * - Abort while a read is in flight: a protocol CancelRequest stops the query on the server within
 *   milliseconds; once the read settled the cursor is closed and the client returned. Whatever
 *   does not settle within `cancelTimeout` gets the connection destroyed.
 * - A client whose connection broke (a terminated backend, a reset socket) is destroyed, never
 *   returned; the checked-out client always has an `'error'` listener, so a dying backend fails
 *   the run rather than the process.
 * - Errors (bad SQL, a failing row, a lost connection) fail the run unchanged.
 * - The run's `report.source` shows the checkout: `openedAtMs` when the client was asked for,
 *   `closedAtMs` when it was given back (returned or destroyed).
 * - Arguments are checked at call time (coded `TypeError`/`RangeError`). The pool is the caller's.
 *
 * @example
 * ```ts
 * const ids = await fromPostgres<{ id: number }>(pool, 'select id from orders where id < $1 order by id', [3]).toArray(); // [{ id: 1 }, { id: 2 }]
 * ```
 */
export function fromPostgres<Row = Record<string, unknown>>(
  pool: PgPoolLike,
  sql: string,
  params?: readonly unknown[],
  options: FromPostgresOptions = {},
): Pipeline<Row> {
  const where = 'fromPostgres(pool, sql, params, options)';
  validateDriver(pool, ['connect'], 'a pg Pool', 'fromPostgres(pool)');
  validateSql(sql, 'fromPostgres(pool, sql)');
  validateParams(params, 'fromPostgres(pool, sql, params)', false);
  const { batchSize, name } = validateQueryOptions(
    options,
    ['batchSize', 'name', 'cancelTimeout'],
    where,
    'fromPostgres',
  );
  const cancelTimeout =
    options.cancelTimeout === undefined
      ? 1000
      : validateInteger(options.cancelTimeout, `${where}.cancelTimeout`, 1, 600_000);
  const values = params === undefined ? undefined : [...params];
  return fromResource<OpenQuery<Row>, Row>({
    name,
    open: async ({ signal }) => {
      const checkout = await checkOut(pool, signal);
      const cursor = new Cursor<Row>(sql, values);
      try {
        (checkout.client.query as (submittable: Cursor<Row>) => unknown)(cursor);
      } catch (error) {
        checkout.broken ??= error as Error;
        giveBack(checkout);
        throw error;
      }
      return { checkout, cursor, cancel: undefined, failed: false };
    },
    read: async (query, { signal, hint }) => {
      const want = Math.min(batchSize, hint ?? batchSize);
      const rows = await readRows(query, want, signal, cancelTimeout);
      return rows.length < want ? { items: rows, last: true } : rows;
    },
    close: (query) => finish(query, cancelTimeout),
  });
}

/** One `cursor.read()`; an abort while it runs cancels the query on the server. */
function readRows<Row>(
  query: OpenQuery<Row>,
  want: number,
  signal: AbortSignal,
  cancelTimeout: number,
): Promise<Row[]> {
  if (signal.aborted) return Promise.reject(signal.reason);
  const { checkout } = query;
  return new Promise<Row[]>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const unlink = onAbort(signal, () => {
      query.cancel ??= sendCancelRequest(checkout.client as PgBackendKey, cancelTimeout);
      timer = setTimeout(() => {
        checkout.broken ??= new Error(`The cancelled query did not stop within ${cancelTimeout} ms`);
        reject(signal.reason);
      }, cancelTimeout);
    });
    const settle = () => {
      clearTimeout(timer);
      unlink();
    };
    query.cursor.read(want).then(
      (rows) => {
        settle();
        resolve(rows);
      },
      (error: unknown) => {
        settle();
        query.failed = true;
        if (isConnectionError(error)) checkout.broken ??= error as Error;
        // 57014 after our own CancelRequest is the abort coming back, not a failure of the query:
        // rejecting with the run's reason lets the runner recognise it as such.
        const cancelled = query.cancel !== undefined && (error as { code?: unknown } | null)?.code === '57014';
        reject(cancelled ? signal.reason : error);
      },
    );
  });
}

/**
 * Gives the client back. After a cancel, only once the server has signalled the backend (a late
 * cancel would hit the next borrower's query). `cursor.close()` is bounded, and skipped after a
 * failed read: it would wait for a ReadyForQuery that may already have come (measured: stuck about
 * one time in three after a cancel), and on a broken connection it never resolves
 * (brianc/node-postgres#2588). The pg client queues the next borrower's query until its own
 * ReadyForQuery, so giving it back at once is safe.
 */
async function finish<Row>(query: OpenQuery<Row>, cancelTimeout: number): Promise<void> {
  const { checkout, cursor } = query;
  try {
    if (query.cancel && !(await query.cancel)) checkout.broken ??= new Error('The query could not be cancelled');
    if (!checkout.broken && !query.failed) await within(cursor.close(), cancelTimeout, 'Closing the cursor');
  } catch (error) {
    checkout.broken ??= error as Error;
  } finally {
    giveBack(checkout);
  }
}
