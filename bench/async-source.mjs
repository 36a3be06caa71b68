// The core's speed where real sources live: an async generator that hands over ONE item per
// next() (a driver, a network reader), through map → filter → map → sum, and through batch(1000).
// The LIMIT is a hand-written `for await` over the same generator with the work inline: no
// library can pull items out of an async generator faster than that. Every variant runs in this
// one process, interleaved round by round (the order rotates), timed in CPU time (user + system,
// which the OS descheduling us on a shared machine does not inflate); medians are reported.
// Run (after `pnpm build`): node bench/async-source.mjs [items = 3000000] [rounds = 5] [only variants containing]
import { filter, map, batch } from '@sluice/operators';
import { from } from '@sluice/core';
import { defineBatchSink } from '@sluice/core/kit';

const N = Number(process.argv[2] ?? 3_000_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const ONLY = process.argv[4] ?? '';
const SIZE = 1000;

const f1 = (n) => n * 3;
const p2 = (n) => n % 2 === 0;
const f3 = (n) => n + 1;

/** The source every async variant reads: one item per next(), as a driver hands rows over. */
async function* numbers() {
  for (let i = 0; i < N; i++) yield i;
}

const sumSink = defineBatchSink('sum', async (batches) => {
  let s = 0;
  for await (const b of batches) for (let i = 0; i < b.length; i++) s += b[i];
  return s;
});
const countSink = defineBatchSink('count', async (batches) => {
  let count = 0;
  let lastSize = 0;
  for await (const b of batches) {
    for (let i = 0; i < b.length; i++) {
      count += b[i].length;
      lastSize = b[i].length;
    }
  }
  return count * 7 + lastSize;
});

async function* mapGen(source, fn) {
  for await (const x of source) yield fn(x);
}
async function* filterGen(source, fn) {
  for await (const x of source) if (fn(x)) yield x;
}
async function* batchGen(source, size) {
  let b = [];
  for await (const x of source) {
    b.push(x);
    if (b.length === size) {
      yield b;
      b = [];
    }
  }
  if (b.length > 0) yield b;
}

const array = Array.from({ length: N }, (_, i) => i);

const variants = {
  'plain array loop': async () => {
    let s = 0;
    for (let i = 0; i < array.length; i++) {
      const v = f1(array[i]);
      if (p2(v)) s += f3(v);
    }
    return s;
  },
  'for-await limit (work inline)': async () => {
    let s = 0;
    for await (const n of numbers()) {
      const v = f1(n);
      if (p2(v)) s += f3(v);
    }
    return s;
  },
  'naive async-generator chain': async () => {
    let s = 0;
    for await (const v of mapGen(filterGen(mapGen(numbers(), f1), p2), f3)) s += v;
    return s;
  },
  'sluice, batch sink': () => from(numbers).pipe(map(f1), filter(p2), map(f3)).to(sumSink),
  'sluice, for await': async () => {
    let s = 0;
    for await (const v of from(numbers).pipe(map(f1), filter(p2), map(f3))) s += v;
    return s;
  },
  'batch: hand-written async-generator batcher': async () => {
    let count = 0;
    let lastSize = 0;
    for await (const b of batchGen(numbers(), SIZE)) {
      count += b.length;
      lastSize = b.length;
    }
    return count * 7 + lastSize;
  },
  'batch: sluice batch(1000), for await': async () => {
    let count = 0;
    let lastSize = 0;
    for await (const b of from(numbers).pipe(batch(SIZE))) {
      count += b.length;
      lastSize = b.length;
    }
    return count * 7 + lastSize;
  },
  'batch: sluice batch(1000), batch sink': () => from(numbers).pipe(batch(SIZE)).to(countSink),
};
const names = Object.keys(variants).filter((name) => name.includes(ONLY));

const times = Object.fromEntries(names.map((name) => [name, []]));
const expected = {};
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < names.length; k++) {
    const name = names[(k + round) % names.length];
    const t0 = process.cpuUsage();
    const got = await variants[name]();
    const used = process.cpuUsage(t0);
    times[name].push((used.user + used.system) / 1000);
    const group = name.startsWith('batch:') ? 'batch' : 'sum';
    expected[group] ??= got;
    if (got !== expected[group]) throw new Error(`${name} computed ${got}, expected ${expected[group]}`);
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const m = Object.fromEntries(names.map((name) => [name, median(times[name])]));
const limit = m['for-await limit (work inline)'];
const loop = m['plain array loop'];
const batcher = m['batch: hand-written async-generator batcher'];
const ratio = (a, b) => (a === undefined || b === undefined ? '–' : (a / b).toFixed(2));
console.log(
  `${N.toLocaleString('en-US')} numbers from an async generator (one per next()), median CPU of ${ROUNDS} interleaved rounds, Node ${process.version}\n`,
);
console.log('| variant | median CPU ms | × for-await limit | × array loop | × hand-written batcher |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const name of names) {
  const isBatch = name.startsWith('batch:');
  console.log(
    `| ${name} | ${m[name].toFixed(1)} | ${isBatch ? '–' : ratio(m[name], limit)} | ${isBatch ? '–' : ratio(m[name], loop)} | ${isBatch ? ratio(m[name], batcher) : '–'} |`,
  );
}
