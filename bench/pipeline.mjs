// Five synchronous map/filter stages over small objects: sluice against a plain loop, a chain of
// naive async generators and Node object-mode Transforms in pipeline(), measured in one process.
// Run: pnpm build && node bench/pipeline.mjs [items] [rounds]
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from } from '@sluice/core';
import { defineBatchSink } from '@sluice/core/kit';
import { filter, map } from '@sluice/operators';
import { f1, f3, f5, makeItems, p2, p4 } from './five-stages.mjs';

const N = Number(process.argv[2] ?? 1_000_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const items = makeItems(N);

function plainLoop() {
  let sum = 0;
  for (let i = 0; i < items.length; i++) {
    const a = f1(items[i]);
    if (!p2(a)) continue;
    const c = f3(a);
    if (!p4(c)) continue;
    sum += f5(c);
  }
  return sum;
}

async function naiveGenerators() {
  async function* src() {
    for (const o of items) yield o;
  }
  async function* m(source, fn) {
    for await (const x of source) yield fn(x);
  }
  async function* f(source, fn) {
    for await (const x of source) if (fn(x)) yield x;
  }
  let sum = 0;
  for await (const x of m(f(m(f(m(src(), f1), p2), f3), p4), f5)) sum += x;
  return sum;
}

async function nodeTransforms() {
  const t = (fn, keep) =>
    new Transform({
      objectMode: true,
      transform(chunk, _enc, cb) {
        if (keep) cb(null, fn(chunk) ? chunk : undefined);
        else cb(null, fn(chunk));
      },
    });
  let sum = 0;
  await pipeline(
    Readable.from(items),
    t(f1),
    t(p2, true),
    t(f3),
    t(p4, true),
    t(f5),
    new Writable({
      objectMode: true,
      write(x, _enc, cb) {
        sum += x;
        cb();
      },
    }),
  );
  return sum;
}

const sumSink = defineBatchSink('sum', async (batches) => {
  let sum = 0;
  for await (const batch of batches) for (let i = 0; i < batch.length; i++) sum += batch[i];
  return sum;
});

function sluice() {
  return from(items).pipe(map(f1), filter(p2), map(f3), filter(p4), map(f5)).to(sumSink);
}

// An async source yields one item per pull: fusion is what keeps the five stages to one hop.
async function sluiceAsyncSource() {
  async function* src() {
    for (const o of items) yield o;
  }
  return from(src).pipe(map(f1), filter(p2), map(f3), filter(p4), map(f5)).to(sumSink);
}

const variants = [
  ['plain loop', plainLoop],
  ['sluice (array source, fused)', sluice],
  ['sluice (async-generator source, fused)', sluiceAsyncSource],
  ['naive async generators', naiveGenerators],
  ['Node Transforms in pipeline()', nodeTransforms],
];

const expected = plainLoop();
const times = new Map(variants.map(([name]) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, fn] of variants) {
    const t0 = process.hrtime.bigint();
    const got = await fn();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (got !== expected) throw new Error(`${name} computed ${got}, expected ${expected}`);
    times.get(name).push(ms);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(times.get('plain loop'));
console.log(
  `${N.toLocaleString('en-US')} objects, 5 stages (map, filter, map, filter, map), median of ${ROUNDS} interleaved rounds, Node ${process.version}\n`,
);
console.log('| variant | median ms | M items/s | × plain loop |');
console.log('| --- | ---: | ---: | ---: |');
for (const [name] of variants) {
  const ms = median(times.get(name));
  console.log(`| ${name} | ${ms.toFixed(1)} | ${(N / ms / 1000).toFixed(1)} | ${(ms / base).toFixed(2)} |`);
}
