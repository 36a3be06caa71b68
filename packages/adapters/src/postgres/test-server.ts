/**
 * The PostgreSQL server the tests run against: `SLUICE_TEST_PG_URL` (set by `. .ci/services.sh`,
 * or pointing at any server you have). In CI a missing server fails the tests; elsewhere they are
 * skipped with a message saying how to run them.
 */
import type { Server } from 'node:http';
import pg from 'pg';
import { afterAll, afterEach } from 'vitest';
import { describeService } from '../test-support/describe-service.js';

export const PG_URL = process.env.SLUICE_TEST_PG_URL;

export function describePg(name: string, body: () => void): void {
  describeService('PostgreSQL', 'SLUICE_TEST_PG_URL', name, body);
}

const pools: pg.Pool[] = [];

/** A pool on the test server, ended after the file's tests. */
export function testPool(max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: PG_URL, max });
  // An idle client whose backend dies must not crash the test process.
  pool.on('error', () => undefined);
  pools.push(pool);
  return pool;
}

afterAll(async () => {
  await Promise.all(
    pools
      .splice(0)
      .filter((pool) => !pool.ending)
      .map((pool) => pool.end()),
  );
});

const servers: Server[] = [];

/** An HTTP server to close (with its connections) after the current test. */
export function closeAfterTest(server: Server): Server {
  servers.push(server);
  return server;
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A table name unique to this process, so the Node lines and test files never share one. */
export function tableName(base: string): string {
  return `${base}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}

/** Polls until `check` is true, at most `ms`: for states only the server can tell (pg_stat_activity). */
export async function waitUntil(check: () => Promise<boolean>, ms: number, what: string): Promise<number> {
  const start = performance.now();
  while (!(await check())) {
    if (performance.now() - start > ms) throw new Error(`${what}: not seen within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return performance.now() - start;
}

/** Backends (other than the admin's) running a query that contains `marker`. */
export async function activeBackends(admin: pg.Pool, marker: string): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>(
    "select pid from pg_stat_activity where state = 'active' and pid <> pg_backend_pid() and query like '%' || $1 || '%' and query not like '%pg_stat_activity%'",
    [marker],
  );
  return rows.map((r) => r.pid);
}
