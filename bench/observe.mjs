// What observability costs (issue 11): the build before it against this one with nobody
// subscribed (must be free), and this one with a subscriber on every sluice channel and with
// onProgress. Same method as ab-core.mjs: one process, builds interleaved round by round, each
// variant timed by the process's CPU time (user + system).
// Run: node bench/observe.mjs <core dist before> <core dist after> [items] [rounds] [only variants containing]
// (copy packages/core/dist aside on the commit before, `pnpm build` on this one, pass both dirs;
// the before dir twice gives the noise floor: the same build against itself).
import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { filter, map } from '@sluice/operators';
import { f1, f3, f5, makeItems, p2, p4 } from './five-stages.mjs';

const [dirA, dirB] = process.argv.slice(2, 4);
if (!dirA || !dirB)
  throw new Error('usage: node bench/observe.mjs <core dist before> <core dist after> [items] [rounds]');
const N = Number(process.argv[4] ?? 1_000_000);
const ROUNDS = Number(process.argv[5] ?? 9);
const ONLY = process.argv[6] ?? '';
const items = makeItems(N);
const SMALL_RUNS = Math.max(1, Math.floor(N / 100));

async function load(dir) {
  const core = await import(pathToFileURL(resolve(dir, 'index.js')).href);
  const kit = await import(pathToFileURL(resolve(dir, 'kit/index.js')).href);
  const sum = kit.defineBatchSink('sum', async (batches) => {
    let s = 0;
    for await (const batch of batches) for (let i = 0; i < batch.length; i++) s += batch[i];
    return s;
  });
  const stages = () => [map(f1), filter(p2), map(f3), filter(p4), map(f5)];
  async function* one() {
    for (const o of items) yield o;
  }
  async function* count(source) {
    for await (const o of source) yield o.id;
  }
  const ten = items.slice(0, 10);
  return (options) => ({
    'array source, fused': () =>
      core
        .from(items)
        .pipe(...stages())
        .to(sum, options),
    'async-generator source, fused': () =>
      core
        .from(one)
        .pipe(...stages())
        .to(sum, options),
    'array source, one opaque stage, for await': async () => {
      let s = 0;
      for await (const id of core.from(items).pipe(count).iterate(options)) s += id;
      return s;
    },
    [`${SMALL_RUNS.toLocaleString('en-US')} runs of 10 items`]: async () => {
      let s = 0;
      for (let i = 0; i < SMALL_RUNS; i++)
        s += await core
          .from(ten)
          .pipe(...stages())
          .to(sum, options);
      return s;
    },
  });
}

const noop = () => {};
const names = ['sluice:source:open', 'sluice:source:release', 'sluice:stage:open', 'sluice:stage:close'];
const tracing = tracingChannel('sluice:run');
const handlers = { start: noop, end: noop, asyncStart: noop, asyncEnd: noop, error: noop };
const subscribed = {
  on() {
    tracing.subscribe(handlers);
    for (const name of names) subscribe(name, noop);
  },
  off() {
    tracing.unsubscribe(handlers);
    for (const name of names) unsubscribe(name, noop);
  },
};

const before = await load(dirA);
const after = await load(dirB);
// The same dir twice measures the noise floor: the build against itself (no observed sides).
const sides =
  resolve(dirA) === resolve(dirB)
    ? { before: { variants: before(undefined) }, 'before again': { variants: after(undefined) } }
    : {
        'before, nobody subscribed': { variants: before(undefined) },
        'after, nobody subscribed': { variants: after(undefined) },
        'after, every channel subscribed': { variants: after(undefined), around: subscribed },
        'after, onProgress': { variants: after({ onProgress: noop }) },
      };
const sideNames = Object.keys(sides);
const variantNames = Object.keys(sides[sideNames[0]].variants).filter((name) => name.includes(ONLY));
const times = {};
const results = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const variant of variantNames) {
    const order = round % 2 === 0 ? sideNames : [...sideNames].reverse();
    for (const side of order) {
      const { variants, around } = sides[side];
      around?.on();
      const t0 = process.cpuUsage();
      const got = await variants[variant]();
      const used = process.cpuUsage(t0);
      around?.off();
      results[variant] ??= got;
      if (got !== results[variant]) throw new Error(`${side} ${variant} computed ${got}, expected ${results[variant]}`);
      (times[`${side} | ${variant}`] ??= []).push((used.user + used.system) / 1000);
    }
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `${N.toLocaleString('en-US')} objects, median CPU ms of ${ROUNDS} interleaved rounds, Node ${process.version}\n`,
);
console.log(`| variant | ${sideNames.join(' | ')} |`);
console.log(`| --- | ${sideNames.map(() => '---:').join(' | ')} |`);
for (const variant of variantNames) {
  const base = median(times[`${sideNames[0]} | ${variant}`]);
  const cells = sideNames.map((side, i) => {
    const ms = median(times[`${side} | ${variant}`]);
    return i === 0 ? ms.toFixed(1) : `${ms.toFixed(1)} (${(ms / base).toFixed(3)}×)`;
  });
  console.log(`| ${variant} | ${cells.join(' | ')} |`);
}
