// CSV export to a gzip file: sluice's `from(rows).pipe(formatCsv(), gzip())` written to a file,
// against gzip of the same CSV bytes alone (the bytes already in memory: no formatting at all).
// Runs against the BUILT packages:
//   cd /work/main && pnpm -F @sluice/core -F @sluice/operators build && node bench/csv-gzip.mjs [rows] [rounds] [array|async]
// With `async`, sluice reads the rows from an async generator, one row per next() (as a driver
// without batches hands them over); the baselines still start from the CSV bytes in memory.
// Rounds are interleaved (the contenders run in a rotating order each round) and medians are
// reported, because the machine is shared and noisy. Every output file is checked with the
// system's `gunzip -t` and its content compared (sha256) with the CSV bytes.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { from } from '@sluice/core';

const ROWS = Number(process.argv[2] ?? 500_000);
const ROUNDS = Number(process.argv[3] ?? 7);
const ASYNC = process.argv[4] === 'async';
import { formatCsv as sluiceFormatCsv, gzip } from '@sluice/operators';
import { COLUMNS, makeRows } from './rows.mjs';

const formatCsv = () => sluiceFormatCsv({ columns: COLUMNS });
const rowArray = makeRows(ROWS, { datesAsText: true, lineBreaks: false });
const rows = ASYNC
  ? async function* oneRowPerNext() {
      for (const row of rowArray) yield row;
    }
  : rowArray;
const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-gzip-'));
const gzipAsync = promisify(zlib.gzip);

// The reference bytes: what the formatter writes, computed once, outside every timing.
const csvChunks = await from(rows).pipe(formatCsv()).toArray();
const csv = Buffer.from(csvChunks.join(''));
const csvSha = createHash('sha256').update(csv).digest('hex');

const contenders = {
  'sluice: from(rows).pipe(formatCsv(), gzip()) → file': (file) =>
    pipeline(from(rows).pipe(formatCsv(), gzip()), createWriteStream(file)),
  'sluice, 1 MiB chunks: from(rows).pipe(formatCsv(), gzip({ chunkSize: 1 << 20 })) → file': (file) =>
    pipeline(from(rows).pipe(formatCsv(), gzip({ chunkSize: 1 << 20 })), createWriteStream(file)),
  'sluice gzip() alone: the formatted CSV chunks in memory → gzip() → file': (file) =>
    pipeline(from(csvChunks).pipe(gzip()), createWriteStream(file)),
  'baseline: CSV bytes in memory → zlib.createGzip() → file': (file) =>
    pipeline(Readable.from([csv]), zlib.createGzip(), createWriteStream(file)),
  'baseline: zlib.gzip(CSV bytes) + writeFile': async (file) => writeFile(file, await gzipAsync(csv)),
};
const names = Object.keys(contenders);
const loadBefore = os
  .loadavg()
  .map((n) => n.toFixed(2))
  .join(' ');
const times = Object.fromEntries(names.map((name) => [name, []]));
// CPU time of all threads (zlib runs on the thread pool): on a saturated machine the wall time is
// about the sum of the main thread's and zlib's CPU, on an idle one about the larger of the two.
const cpu = Object.fromEntries(names.map((name) => [name, []]));

async function verify(file) {
  execFileSync('gunzip', ['-t', file]);
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), zlib.createGunzip(), hash);
  if (hash.digest('hex') !== csvSha) throw new Error(`${file} does not hold the CSV bytes`);
}

for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < names.length; k++) {
    const name = names[(round + k) % names.length];
    const file = join(dir, `out-${names.indexOf(name)}.csv.gz`);
    const c0 = process.cpuUsage();
    const start = performance.now();
    await contenders[name](file);
    times[name].push(performance.now() - start);
    const c = process.cpuUsage(c0);
    cpu[name].push((c.user + c.system) / 1000);
    if (round === 0) await verify(file);
  }
}
await rm(dir, { recursive: true, force: true });

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const baseline = median(times['baseline: CSV bytes in memory → zlib.createGzip() → file']);
console.log(
  `\nCSV → gzip → file: ${ROWS.toLocaleString('en')} rows × ${COLUMNS.length} fields from ${ASYNC ? 'an async generator (one row per next())' : 'an array'}, ` +
    `${(csv.length / 1e6).toFixed(1)} MB of CSV, ${ROUNDS} interleaved rounds, Node ${process.version}` +
    '\n',
);
console.log(
  `load average before: ${loadBefore}, after: ${os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')}\n`,
);
const baselineCpu = median(cpu['baseline: CSV bytes in memory → zlib.createGzip() → file']);
console.log(
  '| contender | median ms | MB/s of CSV | ÷ createGzip baseline | median CPU ms (all threads) | CPU ÷ baseline |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const name of names) {
  const ms = median(times[name]);
  const c = median(cpu[name]);
  console.log(
    `| ${name} | ${ms.toFixed(0)} | ${(csv.length / 1e6 / (ms / 1000)).toFixed(1)} | ${(ms / baseline).toFixed(2)}× | ${c.toFixed(0)} | ${(c / baselineCpu).toFixed(2)}× |`,
  );
}
console.log('\nEvery output file passed `gunzip -t` and decompresses to the same sha256 as the CSV bytes.');
