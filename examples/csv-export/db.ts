/**
 * The demo's real database: SQLite by default (an embedded file, seeded on start — nothing to
 * install: `node:sqlite` on Node 22+, better-sqlite3 on Node 20), PostgreSQL when `DATABASE_URL`
 * says so. Either way the rows come from sluice's adapters (`fromSqlite`, `fromPostgres`), and the
 * store counts the cursors that are open right now: the number a leak would grow.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Pipeline } from '@sluice/core';
import { map } from '@sluice/operators';
import { fromPostgres } from '@sluice/adapters/postgres';
import { fromSqlite, type SqliteDatabaseLike } from '@sluice/adapters/sqlite';
import type { Order } from './orders-db.js';

export interface OrdersStore {
  readonly kind: 'sqlite' | 'postgres';
  readonly rowCount: number;
  /** Cursors open right now (SQLite statements being iterated, PostgreSQL clients checked out). */
  readonly openCursors: number;
  readonly cursorsOpened: number;
  /** PostgreSQL only: clients in the pool and how many of them are idle. */
  readonly pool?: { readonly total: number; readonly idle: number };
  /** A fresh pipeline over every order, by id. */
  rows(): Pipeline<Order>;
  close(): Promise<void>;
}

interface OrderRow {
  id: number;
  customer: string;
  placed_at: number | Date;
  total_cents: number;
  paid: number | boolean;
  note: string | null;
}

const toOrder = (r: OrderRow): Order => ({
  id: r.id,
  customer: r.customer,
  placedAt: r.placed_at instanceof Date ? r.placed_at : new Date(r.placed_at),
  totalCents: r.total_cents,
  paid: Boolean(r.paid),
  note: r.note,
});

/** The select list that makes the stand-in database's orders (orders-db.ts) from an `id` column. */
const orderColumns = (placedAt: string, newline: string) => `id,
  case id % 5 when 0 then 'Ada Lovelace' when 1 then 'Grace Hopper' when 2 then 'Edsger "EWD" Dijkstra'
    when 3 then 'Barbara Liskov' else 'Tony Hoare, Sir' end,
  ${placedAt}, (id * 7919) % 100000, id % 3 <> 0,
  case when id % 10 = 0 then 'gift wrap' || ${newline} || 'please' end`;

interface CursorCounts {
  open: number;
  opened: number;
}

/** The store with live `openCursors` / `cursorsOpened` read from `counts`. */
function withCounts(counts: CursorCounts, store: Omit<OrdersStore, 'openCursors' | 'cursorsOpened'>): OrdersStore {
  return Object.defineProperties(store, {
    openCursors: { get: () => counts.open, enumerable: true },
    cursorsOpened: { get: () => counts.opened, enumerable: true },
  }) as OrdersStore;
}

const COLUMNS = 'id, customer, placed_at, total_cents, paid, note';

interface SqliteFile extends SqliteDatabaseLike {
  exec(sql: string): unknown;
  close(): void;
}

/** node:sqlite from Node 22 on; better-sqlite3 on Node 20, which has no built-in SQLite. */
async function openSqliteFile(path: string): Promise<SqliteFile> {
  if (Number(process.versions.node.split('.')[0]) >= 22) {
    const { DatabaseSync } = (await import('node:sqlite' as string)) as {
      DatabaseSync: new (path: string) => SqliteFile;
    };
    return new DatabaseSync(path);
  }
  return new (await import('better-sqlite3')).default(path);
}

export async function openSqliteStore(rowCount: number): Promise<OrdersStore> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-demo-'));
  const db = await openSqliteFile(join(dir, 'orders.sqlite'));
  db.exec(`create table orders (id integer primary key, customer text, placed_at integer, total_cents integer, paid integer, note text);
    with recursive ids(id) as (select 0 union all select id + 1 from ids where id < ${rowCount - 1})
    insert into orders select ${orderColumns(`${Date.UTC(2026, 0, 1)} + id * 60000`, 'char(10)')} from ids;`);
  const counts: CursorCounts = { open: 0, opened: 0 };
  // Counts the row iterators fromSqlite opens and returns: the demo's "open cursors".
  const counted: SqliteDatabaseLike = {
    prepare: (sql) => {
      const statement = db.prepare(sql);
      return {
        iterate: (...params: unknown[]) => {
          const rows = statement.iterate(...params);
          counts.open++;
          counts.opened++;
          return {
            next: () => rows.next(),
            return: (value?: unknown) => {
              counts.open--;
              return rows.return?.(value) ?? { done: true, value };
            },
          };
        },
      };
    },
  };
  return withCounts(counts, {
    kind: 'sqlite',
    rowCount,
    rows: () =>
      fromSqlite<OrderRow>(counted, `select ${COLUMNS} from orders order by id`, [], { batchSize: 500 }).pipe(
        map(toOrder),
      ),
    close: async () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

export async function openPostgresStore(url: string, rowCount: number): Promise<OrdersStore> {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', (error) => console.error('idle PostgreSQL client failed', error.message));
  const table = `sluice_demo_orders_${rowCount}`;
  await pool.query(
    `create table if not exists ${table} (id int primary key, customer text, placed_at timestamptz, total_cents int, paid boolean, note text)`,
  );
  const { rows } = await pool.query<{ n: number }>(`select count(*)::int as n from ${table}`);
  if (rows[0]!.n !== rowCount) {
    await pool.query(`truncate ${table}`);
    const columns = orderColumns("timestamptz '2026-01-01 00:00:00+00' + id * interval '1 minute'", 'chr(10)');
    await pool.query(`insert into ${table} select ${columns} from generate_series(0, ${rowCount - 1}) id`);
  }
  const counts: CursorCounts = { open: 0, opened: 0 };
  pool.on('acquire', () => (counts.open++, counts.opened++));
  pool.on('release', () => counts.open--);
  return withCounts(counts, {
    kind: 'postgres',
    rowCount,
    get pool() {
      return { total: pool.totalCount, idle: pool.idleCount };
    },
    rows: () =>
      fromPostgres<OrderRow>(pool, `select ${COLUMNS} from ${table} order by id`, [], { batchSize: 500 }).pipe(
        map(toOrder),
      ),
    close: () => pool.end(),
  });
}

/** PostgreSQL when `DATABASE_URL` is set, else an embedded SQLite file. */
export function openOrdersStore(rowCount: number, url = process.env.DATABASE_URL): Promise<OrdersStore> {
  return url ? openPostgresStore(url, rowCount) : openSqliteStore(rowCount);
}
