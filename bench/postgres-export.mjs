// A PostgreSQL export to a CSV file: sluice's fromPostgres → formatCsv → file, against the
// drivers alone (pg-cursor read(500) + a hand-written CSV loop) and the usual stream stack
// (pg-query-stream + csv-stringify). Needs a server: SLUICE_TEST_PG_URL (`. .ci/services.sh`).
// Runs against the BUILT packages:
//   pnpm build && node bench/postgres-export.mjs [rows] [rounds]
// Rounds are interleaved and medians reported (the machine is shared and noisy). Every output
// file is compared (sha256) with the first contender's.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { once } from 'node:events';
import pg from 'pg';
import Cursor from 'pg-cursor';
import QueryStream from 'pg-query-stream';
import { stringify } from 'csv-stringify';
import { fromPostgres } from '@sluice/adapters/postgres';
import { batch, formatCsv, map } from '@sluice/operators';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const URL = process.env.SLUICE_TEST_PG_URL;
if (!URL) throw new Error('Set SLUICE_TEST_PG_URL (or run under `. .ci/services.sh`)');

const TABLE = `bench_orders_${ROWS}`;
const COLUMNS = ['id', 'customer', 'total', 'paid', 'note'];
const SQL = `select ${COLUMNS.join(', ')} from ${TABLE} order by id`;
const pool = new pg.Pool({ connectionString: URL, max: 2 });
await pool.query(
  `create table if not exists ${TABLE} (id int primary key, customer text, total int, paid boolean, note text)`,
);
if ((await pool.query(`select count(*)::int as n from ${TABLE}`)).rows[0].n !== ROWS) {
  await pool.query(`truncate ${TABLE}`);
  await pool.query(`insert into ${TABLE} select g, 'customer ' || (g % 97), (g::bigint * 7919) % 100000, g % 3 <> 0,
    case when g % 10 = 0 then 'gift, "wrap"' end from generate_series(1, ${ROWS}) g`);
}

function cell(value) {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const line = (r) => `${cell(r.id)},${cell(r.customer)},${cell(r.total)},${cell(r.paid)},${cell(r.note)}\n`;

async function handWritten(file) {
  const out = createWriteStream(file);
  const client = await pool.connect();
  try {
    const cursor = client.query(new Cursor(SQL));
    out.write(`${COLUMNS.join(',')}\n`);
    for (;;) {
      const rows = await cursor.read(500);
      let text = '';
      for (const r of rows) text += line(r);
      if (text && !out.write(text)) await once(out, 'drain');
      if (rows.length < 500) break;
    }
  } finally {
    client.release();
  }
  out.end();
  await once(out, 'finish');
}

const contenders = {
  'sluice: fromPostgres(batchSize 500) → formatCsv() → file': (file) =>
    pipeline(
      fromPostgres(pool, SQL, [], { batchSize: 500 }).pipe(formatCsv({ columns: COLUMNS })),
      createWriteStream(file),
    ),
  'baseline: pg-cursor read(500) + hand-written CSV loop → file': handWritten,
  'sluice source, hand-written CSV: fromPostgres(batchSize 500) → map(line) → batch(500) → join → file': (file) =>
    pipeline(async function* () {
      yield `${COLUMNS.join(',')}\n`;
      yield* fromPostgres(pool, SQL, [], { batchSize: 500 }).pipe(
        map(line),
        batch(500),
        map((lines) => lines.join('')),
      );
    }, createWriteStream(file)),
  'pg-query-stream (batchSize 500) + csv-stringify → file': async (file) => {
    const client = await pool.connect();
    try {
      await pipeline(
        client.query(new QueryStream(SQL, [], { batchSize: 500 })),
        stringify({ header: true, columns: COLUMNS }),
        createWriteStream(file),
      );
    } finally {
      client.release();
    }
  },
};

const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-pg-'));
const names = Object.keys(contenders);
const times = Object.fromEntries(names.map((n) => [n, []]));
const load = () =>
  os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
const loadBefore = load();
async function sha(file) {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < names.length; k++) {
    const name = names[(round + k) % names.length];
    const file = join(dir, `out-${names.indexOf(name)}.csv`);
    const t0 = performance.now();
    await contenders[name](file);
    times[name].push(performance.now() - t0);
  }
}
const hashes = await Promise.all(names.map((_, i) => sha(join(dir, `out-${i}.csv`))));
const same = hashes.map((h) => h === hashes[0]);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(times[names[1]]);
console.log(
  `PostgreSQL → CSV file: ${ROWS.toLocaleString('en-US')} rows, ${ROUNDS} interleaved rounds, Node ${process.version}`,
);
console.log(`load average before: ${loadBefore}, after: ${load()}\n`);
console.log('| contender | median ms | rows/s | ÷ pg-cursor + hand-written loop |\n| --- | ---: | ---: | ---: |');
for (const name of names) {
  const m = median(times[name]);
  console.log(
    `| ${name} | ${m.toFixed(0)} | ${Math.round((ROWS / m) * 1000).toLocaleString('en-US')} | ${(m / base).toFixed(2)}× |`,
  );
}
console.log(`\nsame bytes as the first contender: ${names.map((n, i) => `${n.split(':')[0]} ${same[i]}`).join('; ')}`);
await rm(dir, { recursive: true, force: true });
await pool.query(`drop table ${TABLE}`);
await pool.end();
