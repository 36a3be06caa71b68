// Ordered map with concurrency 16 over jittered asynchronous tasks (each 1 or 3 ms, a fixed
// pseudo-random pattern), against the ideal (the sum of the task times / 16) and Node's
// Readable.map. Wall time is what matters here (the tasks are timers), so rounds are interleaved
// and medians reported.
// Run: pnpm build && node bench/map-ordered.mjs [items] [rounds]
import os from 'node:os';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { from } from '@sluice/core';
import { map } from '@sluice/operators';

const N = Number(process.argv[2] ?? 2000);
const ROUNDS = Number(process.argv[3] ?? 5);
const CONCURRENCY = 16;

// Park–Miller (exact in doubles): the same pattern every run, so runs compare.
let seed = 42;
const durations = Array.from({ length: N }, () => {
  seed = (seed * 48271) % 2147483647;
  return (seed >> 8) % 2 === 0 ? 1 : 3;
});
const items = durations.map((ms, i) => ({ i, ms }));
const task = async ({ i, ms }) => {
  await sleep(ms);
  return i;
};
const ideal = durations.reduce((a, b) => a + b, 0) / CONCURRENCY;

function check(out) {
  for (let i = 0; i < N; i++) if (out[i] !== i) throw new Error(`out of order at ${i}: ${out[i]}`);
}

const variants = {
  // The same tasks through 16 workers sharing one queue, results placed by index: no order constraint at all.
  'worker pool (16 workers, no reorder limit)': async () => {
    const out = new Array(N);
    let next = 0;
    const worker = async () => {
      while (next < N) {
        const k = next++;
        out[k] = await task(items[k]);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return out;
  },
  'sluice map(fn, { concurrency: 16 }) (window 32)': () =>
    from(items)
      .pipe(map(task, { concurrency: CONCURRENCY }))
      .toArray(),
  'sluice mapConcurrent window 16 (the previous behaviour)': async () => {
    const { mapConcurrent } = await import('@sluice/operators');
    return from(items)
      .pipe(mapConcurrent(task, { concurrency: CONCURRENCY, window: CONCURRENCY }))
      .toArray();
  },
  'sluice window 64': async () => {
    const { mapConcurrent } = await import('@sluice/operators');
    return from(items)
      .pipe(mapConcurrent(task, { concurrency: CONCURRENCY, window: 64 }))
      .toArray();
  },
  'sluice unordered': () =>
    from(items)
      .pipe(map(task, { concurrency: CONCURRENCY, ordered: false }))
      .toArray()
      .then((o) => o.sort((a, b) => a - b)),
  "Node's Readable.map(fn, { concurrency: 16 })": () =>
    Readable.from(items).map(task, { concurrency: CONCURRENCY }).toArray(),
};

const names = Object.keys(variants);
const times = Object.fromEntries(names.map((n) => [n, []]));
const load = () =>
  os
    .loadavg()
    .map((n) => n.toFixed(1))
    .join(' ');
const loadBefore = load();
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < names.length; k++) {
    const name = names[(round + k) % names.length];
    const t0 = performance.now();
    check(await variants[name]());
    times[name].push(performance.now() - t0);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `${N} tasks of 1 or 3 ms, concurrency ${CONCURRENCY}, ordered output, ${ROUNDS} interleaved rounds, medians; Node ${process.version}`,
);
console.log(
  `ideal (sum of task times / ${CONCURRENCY}): ${ideal.toFixed(0)} ms; load average before: ${loadBefore}, after: ${load()}\n`,
);
const pool = median(times[names[0]]);
console.log('| variant | median ms | × ideal | × worker pool |');
console.log('| --- | ---: | ---: | ---: |');
for (const name of names) {
  const ms = median(times[name]);
  console.log(`| ${name} | ${ms.toFixed(0)} | ${(ms / ideal).toFixed(2)} | ${(ms / pool).toFixed(2)} |`);
}
