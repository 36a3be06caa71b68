import { beforeAll, expect, it } from 'vitest';
import type pg from 'pg';
import { from } from '@sluice/core';
import { deferred } from '@sluice/core/testing';
import { toPostgres } from './index.js';
import { describePg, tableName, testPool } from './test-server.js';

const PEOPLE = tableName('people');

const tricky = [
  {
    id: 1,
    name: 'Ada\tLovelace',
    note: 'line one\nline two',
    tags: { a: [1, 2] },
    born: new Date('1815-12-10T00:00:00.000Z'),
    photo: Buffer.from([0, 1, 255]),
  },
  { id: 2, name: 'back\\slash \\N', note: null, tags: null, born: null, photo: null },
  {
    id: 3,
    name: 'Grüße, 東京 🚀',
    note: 'carriage\rreturn',
    tags: [],
    born: new Date('2026-01-02T03:04:05.678Z'),
    photo: Buffer.alloc(0),
  },
];

describePg('toPostgres', () => {
  let pool: pg.Pool;
  beforeAll(async () => {
    pool = testPool(1);
    await pool.query(
      `create table ${PEOPLE} (id int primary key, name text not null, note text, tags jsonb, born timestamptz, photo bytea)`,
    );
  });

  async function people(): Promise<unknown[]> {
    return (await pool.query(`select * from ${PEOPLE} order by id`)).rows;
  }

  it('copies every row into the table, values intact, and returns the client', async () => {
    await pool.query(`truncate ${PEOPLE}`);
    const result = await from(tricky).to(
      toPostgres(pool, PEOPLE, ['id', 'name', 'note', 'tags', 'born', 'photo'], { chunkSize: 16 }),
    );
    expect(result).toEqual({ rows: 3 });
    expect(await people()).toEqual(tricky.map((row) => ({ ...row, note: row.note ?? null })));
    expect({ idle: pool.idleCount, total: pool.totalCount }).toEqual({ idle: 1, total: 1 });
  });

  it('takes rows as arrays in column order', async () => {
    await pool.query(`truncate ${PEOPLE}`);
    const rows = Array.from({ length: 10_000 }, (_, i) => [i, `person ${i}`]);
    expect(await from(rows).to(toPostgres(pool, PEOPLE, ['id', 'name']))).toEqual({ rows: 10_000 });
    expect((await pool.query(`select count(*)::int as n, max(name) as last from ${PEOPLE}`)).rows).toEqual([
      { n: 10_000, last: 'person 9999' },
    ]);
  });

  it('rolls the COPY back when the run is aborted mid-way, and the client stays usable', async () => {
    await pool.query(`truncate ${PEOPLE}`);
    const controller = new AbortController();
    const reason = new Error('stop copying');
    const halfway = deferred<void>();
    async function* rows() {
      for (let i = 0; ; i++) {
        if (i === 5_000) halfway.resolve();
        if (i >= 5_000) await new Promise((resolve) => setImmediate(resolve));
        yield { id: i, name: `p${i}` };
      }
    }
    const run = from(rows()).to(toPostgres(pool, PEOPLE, ['id', 'name'], { chunkSize: 1024 }), {
      signal: controller.signal,
    });
    await halfway.promise;
    controller.abort(reason);
    await expect(run).rejects.toBe(reason);
    // The client goes back once the server has answered the CopyFail.
    for (let i = 0; i < 200 && pool.idleCount === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect({ idle: pool.idleCount, total: pool.totalCount }).toEqual({ idle: 1, total: 1 });
    expect(await people()).toEqual([]);
  });

  it('rolls back and rejects with the upstream error unchanged', async () => {
    await pool.query(`truncate ${PEOPLE}`);
    const boom = new Error('upstream failed');
    async function* rows() {
      for (let i = 0; i < 3000; i++) yield { id: i, name: `p${i}` };
      throw boom;
    }
    await expect(from(rows()).to(toPostgres(pool, PEOPLE, ['id', 'name'], { chunkSize: 100 }))).rejects.toBe(boom);
    expect(await people()).toEqual([]);
    expect(pool.idleCount).toBe(1);
  });

  it('rejects with the server error for a row the table refuses, and stores nothing', async () => {
    await pool.query(`truncate ${PEOPLE}`);
    const rows = [
      { id: 1, name: 'ok' },
      { id: 'two', name: 'bad id' },
    ];
    await expect(from(rows).to(toPostgres(pool, PEOPLE, ['id', 'name']))).rejects.toMatchObject({ code: '22P02' });
    expect(await people()).toEqual([]);
    expect(pool.idleCount).toBe(1);
  });

  it('throws coded errors for bad arguments when called', () => {
    const call = toPostgres as (...args: unknown[]) => unknown;
    expect(() => call(pool, '', ['id'])).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_ARGUMENT' }));
    expect(() => call(pool, PEOPLE, [])).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_ARGUMENT' }));
    expect(() => call(pool, PEOPLE, ['id'], { chunkSize: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE' }),
    );
    expect(() => call({ query() {} }, PEOPLE, ['id'])).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_ARGUMENT' }),
    );
  });
});
