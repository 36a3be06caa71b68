// One item per next(): an async generator source through map → filter → map → sum, and through
// batch(1000), in sluice and its peers, side by side in ONE process. The yardstick is the limit: a
// hand-written `for await` over the same generator with the work inline.
// Run: pnpm build && node bench/peers-async.mjs [items] [rounds]
// Rounds are interleaved (the order rotates each round); each variant's CPU time (user + system,
// process.cpuUsage) is taken, and the median over rounds reported, because the machine is shared:
// CPU time does not count the time other processes hold the core, wall time does.
import os from 'node:os';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline as nodePipeline } from 'node:stream/promises';
import { from } from '@sluice/core';
import { defineBatchSink } from '@sluice/core/kit';
import { batch, filter, map } from '@sluice/operators';
import { Effect, Stream } from 'effect';
import itBatch from 'it-batch';
import itFilter from 'it-filter';
import itMap from 'it-map';
import { pipe as itPipe } from 'it-pipe';
import * as rx from 'rxjs';
import * as si from 'streaming-iterables';

const N = Number(process.argv[2] ?? 3_000_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const BATCH = 1000;

const f = (x) => x * 2;
const p = (x) => x % 3 !== 0;
const g = (x) => x + 1;

async function* numbers() {
  for (let i = 0; i < N; i++) yield i;
}
const array = Array.from({ length: N }, (_, i) => i);

const sumSink = defineBatchSink('sum', async (batches) => {
  let sum = 0;
  for await (const b of batches) for (let i = 0; i < b.length; i++) sum += b[i];
  return sum;
});
// A batch's fingerprint: its length and its first item, so every variant must cut at the same places.
const batchSink = defineBatchSink('batches', async (batches) => {
  let sum = 0;
  for await (const b of batches) for (let i = 0; i < b.length; i++) sum += b[i].length * 7 + b[i][0];
  return sum;
});
async function sumOf(iterable) {
  let sum = 0;
  for await (const x of iterable) sum += x;
  return sum;
}
async function batchSum(iterable) {
  let sum = 0;
  for await (const b of iterable) sum += b.length * 7 + b[0];
  return sum;
}
const transform = (fn, keep) =>
  new Transform({
    objectMode: true,
    transform(x, _enc, cb) {
      if (keep) cb(null, fn(x) ? x : undefined);
      else cb(null, fn(x));
    },
  });

const pipelines = {
  'for-await limit (work inline)': async () => {
    let sum = 0;
    for await (const x of numbers()) {
      const a = f(x);
      if (!p(a)) continue;
      sum += g(a);
    }
    return sum;
  },
  'plain array loop': async () => {
    let sum = 0;
    for (let i = 0; i < array.length; i++) {
      const a = f(array[i]);
      if (p(a)) sum += g(a);
    }
    return sum;
  },
  sluice: () => from(numbers).pipe(map(f), filter(p), map(g)).to(sumSink),
  'rxjs (from an async iterable)': () =>
    rx.lastValueFrom(
      rx.from(numbers()).pipe(
        rx.map(f),
        rx.filter(p),
        rx.map(g),
        rx.reduce((s, x) => s + x, 0),
      ),
    ),
  'streaming-iterables': () => sumOf(si.pipeline(numbers, si.map(f), si.filter(p), si.map(g))),
  'it-pipe + it-map + it-filter': () =>
    itPipe(
      numbers(),
      (s) => itMap(s, f),
      (s) => itFilter(s, p),
      (s) => itMap(s, g),
      sumOf,
    ),
  'Effect Stream': () =>
    Effect.runPromise(
      Stream.fromAsyncIterable(numbers(), (e) => e).pipe(Stream.map(f), Stream.filter(p), Stream.map(g), Stream.runSum),
    ),
  'Node Transforms in pipeline()': async () => {
    let sum = 0;
    await nodePipeline(
      Readable.from(numbers()),
      transform(f),
      transform(p, true),
      transform(g),
      new Writable({
        objectMode: true,
        write(x, _enc, cb) {
          sum += x;
          cb();
        },
      }),
    );
    return sum;
  },
  'naive async generators': async () => {
    async function* m(source, fn) {
      for await (const x of source) yield fn(x);
    }
    async function* keep(source, fn) {
      for await (const x of source) if (fn(x)) yield x;
    }
    return sumOf(m(keep(m(numbers(), f), p), g));
  },
};

const batchers = {
  'hand-written async-generator batcher': () => {
    async function* batches(source) {
      let b = [];
      for await (const x of source) {
        b.push(x);
        if (b.length === BATCH) {
          yield b;
          b = [];
        }
      }
      if (b.length > 0) yield b;
    }
    return batchSum(batches(numbers()));
  },
  'sluice batch(1000)': () => from(numbers).pipe(batch(BATCH)).to(batchSink),
  'streaming-iterables batch(1000)': () => batchSum(si.batch(BATCH, numbers())),
  'it-batch': () => batchSum(itBatch(numbers(), BATCH)),
};

async function measure(variants, limitName) {
  const names = Object.keys(variants);
  const cpu = Object.fromEntries(names.map((n) => [n, []]));
  const wall = Object.fromEntries(names.map((n) => [n, []]));
  let expected;
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length];
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const got = await variants[name]();
      wall[name].push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu[name].push((c.user + c.system) / 1000);
      expected ??= got;
      if (got !== expected) throw new Error(`${name} computed ${got}, expected ${expected}`);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const limit = median(cpu[limitName]);
  console.log('| variant | median CPU ms | median wall ms | M items/s (CPU) | × limit (CPU) |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const name of names) {
    const ms = median(cpu[name]);
    console.log(
      `| ${name} | ${ms.toFixed(0)} | ${median(wall[name]).toFixed(0)} | ${(N / ms / 1000).toFixed(2)} | ${(ms / limit).toFixed(2)} |`,
    );
  }
}

const load = () =>
  os
    .loadavg()
    .map((n) => n.toFixed(1))
    .join(' ');
console.log(
  `${N.toLocaleString('en-US')} items from an async generator (one per next()), ${ROUNDS} interleaved rounds, medians; Node ${process.version}; load average before: ${load()}\n`,
);
console.log('map → filter → map → sum:\n');
await measure(pipelines, 'for-await limit (work inline)');
console.log(`\nbatch(${BATCH}), each batch consumed:\n`);
await measure(batchers, 'hand-written async-generator batcher');
console.log(`\nload average after: ${load()}`);
