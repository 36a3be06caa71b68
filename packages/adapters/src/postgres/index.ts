export { fromPostgres, type FromPostgresOptions } from './from-postgres.js';
export { toPostgres, type ToPostgresOptions, type ToPostgresResult } from './to-postgres.js';
export type { PgPoolLike, PgClientLike } from './pg-like.js';
