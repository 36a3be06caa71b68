/**
 * The real SQLite driver for this Node line: better-sqlite3 12 on Node 20 (its addon is built for
 * Node 20 only), the built-in `node:sqlite` on 22 and later (unflagged from 22.13). Never a
 * silent skip: if the line's driver cannot load, the tests that need it fail.
 */
import type { SqliteDatabaseLike } from './from-sqlite.js';

export interface TestDatabase extends SqliteDatabaseLike {
  exec(sql: string): unknown;
  close(): void;
}

export const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
export const SQLITE_DRIVER = NODE_MAJOR >= 22 ? 'node:sqlite' : 'better-sqlite3';

export async function openTestDatabase(path = ':memory:'): Promise<TestDatabase> {
  if (NODE_MAJOR >= 22) {
    // Typed by hand: the @types/node in use describes Node 20, which has no node:sqlite.
    const { DatabaseSync } = (await import('node:sqlite' as string)) as {
      DatabaseSync: new (path: string) => TestDatabase;
    };
    return new DatabaseSync(path);
  }
  const { default: Database } = await import('better-sqlite3');
  return new Database(path);
}

/** A table `orders(id, customer, total)` with ids 1..count. */
export function seedOrders(db: TestDatabase, count: number): void {
  db.exec(`
    create table orders (id integer primary key, customer text not null, total real not null);
    with recursive n(i) as (select 1 union all select i + 1 from n where i < ${count})
    insert into orders select i, 'customer ' || (i % 7), i * 1.5 from n;
  `);
}
