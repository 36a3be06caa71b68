// Many runs ready at once, in one process, no sockets: K runs, each an async generator of ROWS
// rows (one per next(), never waiting) → formatCsv → a batch sink that waits a turn of the event
// loop after each chunk, as a response waits for its socket. Against the same work written by
// hand (for await over the generator, the row formatted by a per-row function, a chunk of about
// 64 Ki characters joined, a turn after each). What is measured: CPU per row as K grows (a run's
// cost must not grow with the number of runs: protocol 9.4) and the turns waited per run
// (`Immediate` resources, counted with async_hooks).
// Run: pnpm build && node bench/many-runs.mjs [runs,…] [rows per run] [rounds] [core dist]
//   e.g. node bench/many-runs.mjs 10,1000,3000 3000 3
//   (a core dist dir, e.g. a copy of packages/core/dist from before a change, replaces the built one)
import { createHook } from 'node:async_hooks';
import os from 'node:os';
import { resolve } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { formatCsv } from '@sluice/operators';

const counts = (process.argv[2] ?? '10,1000,3000').split(',').map(Number);
const ROWS = Number(process.argv[3] ?? 3000);
const ROUNDS = Number(process.argv[4] ?? 3);
const dist = process.argv[5];
const core = dist ? await import(pathToFileURL(resolve(dist, 'index.js')).href) : await import('@sluice/core');
const kit = dist ? await import(pathToFileURL(resolve(dist, 'kit/index.js')).href) : await import('@sluice/core/kit');

const COLUMNS = ['id', 'name', 'city', 'amount', 'note'];
const rows = Array.from({ length: ROWS }, (_, i) => ({
  id: i,
  name: `name ${i}`,
  city: 'Somewhere, far',
  amount: i * 1.5,
  note: 'a "quoted" note',
}));
async function* oneRowPerNext() {
  for (const row of rows) yield row;
}

const waitsATurn = kit.defineBatchSink('waits a turn', async (chunks) => {
  for await (const batch of chunks) for (let i = 0; i < batch.length; i++) await turn();
});
const sluice = () =>
  core
    .from(oneRowPerNext)
    .pipe(formatCsv({ columns: COLUMNS }))
    .to(waitsATurn);

const special = /[",\r\n]/;
const cell = (v) => {
  const text = v === null || v === undefined ? '' : String(v);
  return special.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};
async function byHand() {
  let parts = [`${COLUMNS.join(',')}\n`];
  let length = 0;
  for await (const row of oneRowPerNext()) {
    const line = `${COLUMNS.map((key) => cell(row[key])).join(',')}\n`;
    parts.push(line);
    length += line.length;
    if (length >= 65_536) {
      parts.join('');
      parts = [];
      length = 0;
      await turn();
    }
  }
  if (parts.length > 0) parts.join('');
  await turn();
}

let immediates = 0;
const hook = createHook({
  init(_id, type) {
    if (type === 'Immediate') immediates++;
  },
});

async function measure(k, run) {
  hook.enable();
  immediates = 0;
  const c0 = process.cpuUsage();
  await Promise.all(Array.from({ length: k }, run));
  const c = process.cpuUsage(c0);
  hook.disable();
  return { nsPerRow: ((c.user + c.system) * 1000) / (k * ROWS), turnsPerRun: immediates / k };
}

console.log(
  `${ROWS} rows per run; runs: ${counts.join(', ')}; ${ROUNDS} interleaved rounds, medians; Node ${process.version}; core ${dist ?? 'built'}; load average before: ${os
    .loadavg()
    .map((n) => n.toFixed(1))
    .join(' ')}\n`,
);
const results = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const k of counts) {
    const order = round % 2 === 0 ? ['sluice', 'by hand'] : ['by hand', 'sluice'];
    for (const name of order) {
      const r = await measure(k, name === 'sluice' ? sluice : byHand);
      (results[`${name} ${k}`] ??= []).push(r);
    }
  }
}
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const stat = (key, field) => median(results[key].map((r) => r[field]));
console.log(
  '| runs | sluice ns/row (CPU) | by hand ns/row | sluice ÷ by hand | sluice ns/row ÷ at the fewest runs | turns waited per sluice run |',
);
console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
for (const k of counts) {
  const s = stat(`sluice ${k}`, 'nsPerRow');
  const h = stat(`by hand ${k}`, 'nsPerRow');
  console.log(
    `| ${k} | ${s.toFixed(0)} | ${h.toFixed(0)} | ${(s / h).toFixed(2)} | ${(s / stat(`sluice ${counts[0]}`, 'nsPerRow')).toFixed(2)} | ${stat(`sluice ${k}`, 'turnsPerRun').toFixed(1)} |`,
  );
}
console.log(
  `\nload average after: ${os
    .loadavg()
    .map((n) => n.toFixed(1))
    .join(' ')}`,
);
