/**
 * `@sluice/adapters/postgres`: a server-side cursor as a source (`fromPostgres`, pg + pg-cursor) and
 * COPY FROM STDIN as a sink (`toPostgres`).
 *
 * @module @sluice/adapters/postgres
 */
export { fromPostgres, type FromPostgresOptions } from './from-postgres.js';
export { toPostgres, type ToPostgresOptions, type ToPostgresResult } from './to-postgres.js';
export type { PgPoolLike, PgClientLike } from './pg-like.js';
