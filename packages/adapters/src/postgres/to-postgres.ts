import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { from as copyFrom } from 'pg-copy-streams';
import { SluiceTypeError, type Sink } from '@sluice/core';
import { describeValue, validateInteger, validateKeys, validateObject } from '@sluice/core/kit';
import { validateDriver } from '../internal/query-args.js';
import { write } from '../node/write.js';
import { checkOut, giveBack, within } from './checkout.js';
import { copyLine, quoteName } from './copy-text.js';
import { isConnectionError, type PgPoolLike } from './pg-like.js';

/** Options of `toPostgres()`. */
export interface ToPostgresOptions {
  /** Characters of COPY text gathered before each write to the connection (default 65536). */
  readonly chunkSize?: number;
  /** Milliseconds an aborted COPY waits for the server to roll it back before the connection is destroyed (default 1000). */
  readonly cancelTimeout?: number;
}

/** What `toPostgres()` resolves to. */
export interface ToPostgresResult {
  /** Rows the server stored (from its `COPY n` reply). */
  readonly rows: number;
}

/**
 * A sink that bulk-loads the rows into a table with `COPY … FROM STDIN` (pg-copy-streams).
 *
 * Contract:
 * - The client is checked out when the sink starts (the wait raced against the signal) and given
 *   back exactly once when it settles.
 * - Rows are objects keyed by column name or arrays in `columns` order; `null`/`undefined` is
 *   SQL NULL, Dates are ISO strings, Uint8Arrays bytea, other objects JSON.
 * - Writes respect the connection's backpressure: at most one `chunkSize` chunk waits in memory.
 * - All or nothing: the COPY commits when the source ends. On abort, on an upstream error or a
 *   rejected row, the COPY is failed (CopyFail), the server rolls it back, and the client goes
 *   back to the pool usable; a broken connection is destroyed instead.
 * - Arguments are checked at call time (coded `TypeError`/`RangeError`).
 *
 * @example
 * ```ts
 * const { rows } = await from([{ id: 1, name: 'Ada' }]).to(toPostgres(pool, 'people', ['id', 'name'])); // rows === 1
 * ```
 */
export function toPostgres<Row extends object = Record<string, unknown>>(
  pool: PgPoolLike,
  table: string,
  columns: readonly string[],
  options: ToPostgresOptions = {},
): Sink<Row, ToPostgresResult> {
  const where = 'toPostgres(pool, table, columns, options)';
  validateDriver(pool, ['connect'], 'a pg Pool', 'toPostgres(pool)');
  if (typeof table !== 'string' || table === '') {
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_ARGUMENT',
      `toPostgres(pool, table) must be a non-empty table name, got ${describeValue(table)}`,
    );
  }
  if (!Array.isArray(columns) || columns.length === 0 || !columns.every((c) => typeof c === 'string' && c !== '')) {
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_ARGUMENT',
      'toPostgres(pool, table, columns) must be a non-empty array of column names',
    );
  }
  validateObject(options, where);
  validateKeys(options, ['chunkSize', 'cancelTimeout'], where);
  const chunkSize =
    options.chunkSize === undefined ? 65_536 : validateInteger(options.chunkSize, `${where}.chunkSize`, 1);
  const cancelTimeout =
    options.cancelTimeout === undefined
      ? 1000
      : validateInteger(options.cancelTimeout, `${where}.cancelTimeout`, 1, 600_000);
  const sql = `COPY ${quoteName(table)} (${columns.map(quoteName).join(', ')}) FROM STDIN`;
  const cols = [...columns];

  return async function copyToPostgres(source, { signal }) {
    const checkout = await checkOut(pool, signal);
    const copy = (checkout.client.query as (submittable: Writable) => Writable & { rowCount: number })(copyFrom(sql));
    try {
      let chunk = '';
      for await (const row of source) {
        chunk += copyLine(row, cols);
        if (chunk.length >= chunkSize) {
          await write(copy, chunk, { signal });
          chunk = '';
        }
      }
      if (chunk !== '') await write(copy, chunk, { signal });
      copy.end();
      await finished(copy);
      return { rows: copy.rowCount };
    } catch (error) {
      if (isConnectionError(error)) checkout.broken ??= error as Error;
      await rollBack(copy, error, cancelTimeout).catch((stuck: unknown) => (checkout.broken ??= stuck as Error));
      throw error;
    } finally {
      giveBack(checkout);
    }
  };
}

/** Fails the COPY (the server rolls it back) and waits until the server has answered. */
async function rollBack(copy: Writable, reason: unknown, ms: number): Promise<void> {
  const closed = finished(copy).catch(() => undefined);
  if (!copy.destroyed) copy.destroy(reason instanceof Error ? reason : new Error(String(reason)));
  await within(closed, ms, 'Rolling back the COPY');
}
