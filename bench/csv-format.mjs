// CSV export throughput: sluice's formatCsv against csv-stringify (stream and sync) and fast-csv,
// all producing identical bytes (checked by sha256). Runs against the BUILT packages:
//   cd /work/main && pnpm build && node bench/csv-format.mjs [rows] [rounds] [array|async]
// With `async`, every contender reads the rows from an async generator, one row per next() (as a
// driver without batches hands them over), and csv-stringify's sync API (which needs an array) sits out.
// Rounds are interleaved (the contenders run in a rotating order each round) and the median is
// reported, because the machine is shared and noisy.
import { createHash } from 'node:crypto';
import os from 'node:os';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from } from '@sluice/core';
import * as operators from '@sluice/operators';
import { stringify } from 'csv-stringify';
import { stringify as stringifySync } from 'csv-stringify/sync';
import { format as fastCsvFormat } from 'fast-csv';
import { COLUMNS, makeRows } from './rows.mjs';

const ROWS = Number(process.argv[2] ?? 500_000);
const ROUNDS = Number(process.argv[3] ?? 7);
const ASYNC = process.argv[4] === 'async';
const { formatCsv } = operators;
if (typeof formatCsv !== 'function') {
  console.error('@sluice/operators does not export formatCsv: run `pnpm build` after index.ts exports it');
  process.exit(1);
}

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

// The source every streaming contender reads: the array itself, or an async generator over it.
const source = ASYNC
  ? (rows) =>
      (async function* oneRowPerNext() {
        for (const row of rows) yield row;
      })()
  : (rows) => rows;

const contenders = {
  async sluice(rows, hash) {
    await from(source(rows))
      .pipe(formatCsv({ columns: COLUMNS }))
      .to(async (chunks) => {
        for await (const chunk of chunks) hash.update(chunk);
      });
  },
  async 'csv-stringify (stream)'(rows, hash) {
    await pipeline(Readable.from(source(rows)), stringify(stringifyOptions), hashWritable(hash));
  },
  async 'csv-stringify (sync)'(rows, hash) {
    hash.update(stringifySync(rows, stringifyOptions));
  },
  async 'fast-csv (format stream)'(rows, hash) {
    const formatter = fastCsvFormat({
      headers: COLUMNS,
      includeEndRowDelimiter: true,
      transform: (row) => [
        row.id,
        row.name,
        row.email,
        row.amount,
        row.created.toISOString(),
        row.active,
        row.score,
        row.note,
      ],
    });
    await pipeline(Readable.from(source(rows)), formatter, hashWritable(hash));
  },
};

if (ASYNC) delete contenders['csv-stringify (sync)'];
const rows = makeRows(ROWS);
const names = Object.keys(contenders);
const times = Object.fromEntries(names.map((n) => [n, []]));
// CPU time (user + system) as well as wall time: on a shared machine, wall time counts other jobs.
const cpu = Object.fromEntries(names.map((n) => [n, []]));
const digests = Object.fromEntries(names.map((n) => [n, new Set()]));

for (let round = 0; round < ROUNDS; round++) {
  const order = names.map((_, i) => names[(i + round) % names.length]);
  for (const name of order) {
    const hash = createHash('sha256');
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await contenders[name](rows, hash);
    times[name].push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu[name].push((c.user + c.system) / 1000);
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
const sluiceCpu = median(cpu.sluice);
console.log(
  `${ROWS.toLocaleString('en-US')} rows × 8 fields from ${ASYNC ? 'an async generator (one row per next())' : 'an array'}, ${ROUNDS} interleaved rounds, median; load average ${os
    .loadavg()
    .map((n) => n.toFixed(1))
    .join(' ')}; Node ${process.version}; sha256 ${[...all][0].slice(0, 16)}… for all\n`,
);
console.log('| formatter | median ms | rows/s | time vs sluice | median CPU ms | CPU vs sluice |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const name of names) {
  const ms = median(times[name]);
  const rate = Math.round(ROWS / (ms / 1000)).toLocaleString('en-US');
  const c = median(cpu[name]);
  console.log(
    `| ${name} | ${ms.toFixed(0)} | ${rate} | ${(ms / sluiceMs).toFixed(2)}× | ${c.toFixed(0)} | ${(c / sluiceCpu).toFixed(2)}× |`,
  );
}
