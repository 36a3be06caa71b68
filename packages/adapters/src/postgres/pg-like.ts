/**
 * The parts of node-postgres sluice uses, typed by shape so `pg` stays an optional peer: a
 * `pg.Pool` and the `PoolClient` it hands out fit these.
 */

/** A checked-out client: `pg.PoolClient`. */
export interface PgClientLike {
  /** Submits a cursor or a COPY stream (typed loosely: the overloads of `pg.ClientBase#query` differ per version). */
  query: (...args: never[]) => unknown;
  /** `release()` returns it to the pool; `release(error)` destroys it. */
  release(error?: Error | boolean): void;
  /** Listens for the client's connection errors while sluice holds it. */
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** Removes that listener before the client goes back. */
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
}

/** A pool of clients: `pg.Pool`. */
export interface PgPoolLike {
  /** Checks a client out; called on the source's first pull. */
  connect(): Promise<PgClientLike>;
}

/** What a pg `Client` knows about its connection, needed for a protocol-level cancel. */
export interface PgBackendKey {
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  readonly processID?: number | null | undefined;
  readonly secretKey?: number | null | undefined;
}

const CONNECTION_ERRORS = new Set(['57P01', '57P02', '57P03', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

/**
 * True when the error means the connection itself is gone (the backend was terminated, the
 * socket broke): such a client must be destroyed, never returned to the pool, and nothing must
 * wait for its cursor (`close()` never resolves then: brianc/node-postgres#2588).
 */
export function isConnectionError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && CONNECTION_ERRORS.has(code)) return true;
  return (
    typeof message === 'string' && /^Connection terminated|^Client has encountered a connection error/.test(message)
  );
}
