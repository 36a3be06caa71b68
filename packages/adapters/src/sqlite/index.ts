export {
  fromSqlite,
  type FromSqliteOptions,
  type SqliteDatabaseLike,
  type SqliteStatementLike,
  type SqliteParams,
} from './from-sqlite.js';
