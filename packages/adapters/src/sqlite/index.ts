/**
 * `@sluice/adapters/sqlite`: a query's rows as a source, over better-sqlite3 or `node:sqlite`.
 *
 * @module @sluice/adapters/sqlite
 */
export {
  fromSqlite,
  type FromSqliteOptions,
  type SqliteDatabaseLike,
  type SqliteStatementLike,
  type SqliteParams,
} from './from-sqlite.js';
