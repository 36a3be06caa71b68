// CSV export throughput: sluice's formatCsv against csv-stringify (stream and sync) and fast-csv,
// all producing identical bytes (checked by sha256). Runs against the BUILT packages:
//   cd /work/main && pnpm build && node bench/csv-format.mjs [rows] [rounds]
// Rounds are interleaved (the contenders run in a rotating order each round) and the median is
// reported, because the machine is shared and noisy.
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from } from '@sluice/core';
import * as operators from '@sluice/operators';
import { stringify } from 'csv-stringify';
import { stringify as stringifySync } from 'csv-stringify/sync';
import { format as fastCsvFormat } from 'fast-csv';

const ROWS = Number(process.argv[2] ?? 500_000);
const ROUNDS = Number(process.argv[3] ?? 7);
const { formatCsv } = operators;
if (typeof formatCsv !== 'function') {
  console.error('@sluice/operators does not export formatCsv: run `pnpm build` after index.ts exports it');
  process.exit(1);
}

/** A seeded generator, so every run formats the same rows. */
function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Zoë', 'José'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', "O'Neil", 'Müller', 'Nakamura'];
const NOTES = ['', 'ok', 'called back, no answer', 'says "urgent"', 'line one\nline two', 'VIP; handle with care', 'n/a'];

function makeRows(count) {
  const random = mulberry32(42);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const base = Date.UTC(2020, 0, 1);
  const rows = new Array(count);
  for (let i = 0; i < count; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    rows[i] = {
      id: i + 1,
      name: random() < 0.1 ? `${last}, ${first}` : `${first} ${last}`,
      email: `${first.toLowerCase()}.${i}@example.com`,
      amount: Math.round(random() * 1_000_000) / 100,
      created: new Date(base + Math.floor(random() * 1e11)),
      active: random() < 0.5,
      score: Math.floor(random() * 2000) - 1000,
      note: pick(NOTES),
    };
  }
  return rows;
}

const COLUMNS = ['id', 'name', 'email', 'amount', 'created', 'active', 'score', 'note'];
const stringifyOptions = {
  columns: COLUMNS,
  header: true,
  cast: { boolean: (b) => String(b), date: (d) => d.toISOString() },
};

function hashWritable(hash) {
  return new Writable({
    decodeStrings: false,
    write(chunk, _encoding, callback) {
      hash.update(chunk);
      callback();
    },
  });
}

const contenders = {
  async sluice(rows, hash) {
    await from(rows).pipe(formatCsv({ columns: COLUMNS })).to(async (chunks) => {
      for await (const chunk of chunks) hash.update(chunk);
    });
  },
  async 'csv-stringify (stream)'(rows, hash) {
    await pipeline(Readable.from(rows), stringify(stringifyOptions), hashWritable(hash));
  },
  async 'csv-stringify (sync)'(rows, hash) {
    hash.update(stringifySync(rows, stringifyOptions));
  },
  async 'fast-csv (format stream)'(rows, hash) {
    const formatter = fastCsvFormat({
      headers: COLUMNS,
      includeEndRowDelimiter: true,
      transform: (row) => [row.id, row.name, row.email, row.amount, row.created.toISOString(), row.active, row.score, row.note],
    });
    await pipeline(Readable.from(rows), formatter, hashWritable(hash));
  },
};

const rows = makeRows(ROWS);
const names = Object.keys(contenders);
const times = Object.fromEntries(names.map((n) => [n, []]));
const digests = Object.fromEntries(names.map((n) => [n, new Set()]));

for (let round = 0; round < ROUNDS; round++) {
  const order = names.map((_, i) => names[(i + round) % names.length]);
  for (const name of order) {
    const hash = createHash('sha256');
    const t0 = performance.now();
    await contenders[name](rows, hash);
    times[name].push(performance.now() - t0);
    digests[name].add(hash.digest('hex'));
  }
}

const all = new Set(names.flatMap((n) => [...digests[n]]));
if (all.size !== 1) {
  console.error('The outputs differ:', Object.fromEntries(names.map((n) => [n, [...digests[n]]])));
  process.exit(1);
}

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const sluiceMs = median(times.sluice);
console.log(`${ROWS.toLocaleString('en-US')} rows × 8 fields, ${ROUNDS} interleaved rounds, median; Node ${process.version}; sha256 ${[...all][0].slice(0, 16)}… for all\n`);
console.log('| formatter | median ms | rows/s | time vs sluice |');
console.log('| --- | ---: | ---: | ---: |');
for (const name of names) {
  const ms = median(times[name]);
  const rate = Math.round(ROWS / (ms / 1000)).toLocaleString('en-US');
  console.log(`| ${name} | ${ms.toFixed(0)} | ${rate} | ${(ms / sluiceMs).toFixed(2)}× |`);
}
