// Two builds of @sluice/core in one process, interleaved round by round: what a change to the
// runner costs, measured so that the load of a shared machine hits both sides alike. Times are
// the process's CPU time (user + system), which the OS descheduling it does not inflate.
// Run: node bench/ab-core.mjs <core dist A> <core dist B> [items] [rounds] [only variants containing]
// (copy packages/core/dist aside before the change, `pnpm build` after it, pass both dirs).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { filter, map } from '@sluice/operators';
import { f1, f3, f5, makeItems, p2, p4 } from './five-stages.mjs';

const [dirA, dirB] = process.argv.slice(2, 4);
if (!dirA || !dirB) throw new Error('usage: node bench/ab-core.mjs <core dist A> <core dist B> [items] [rounds]');
const N = Number(process.argv[4] ?? 1_000_000);
const ROUNDS = Number(process.argv[5] ?? 7);
const ONLY = process.argv[6] ?? '';
const items = makeItems(N);

async function load(dir) {
  const core = await import(pathToFileURL(resolve(dir, 'index.js')).href);
  // Since the kit split, defineBatchSink lives in @sluice/core/kit (older builds: in the index).
  const kit = await import(pathToFileURL(resolve(dir, 'kit/index.js')).href).catch(() => core);
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
  const all = {
    'array source, fused': () =>
      core
        .from(items)
        .pipe(...stages())
        .to(sum),
    'async-generator source, fused': () =>
      core
        .from(one)
        .pipe(...stages())
        .to(sum),
    'array source, one opaque stage, for await': async () => {
      let s = 0;
      for await (const id of core.from(items).pipe(count)) s += id;
      return s;
    },
  };
  return Object.fromEntries(Object.entries(all).filter(([name]) => name.includes(ONLY)));
}

const sides = { A: await load(dirA), B: await load(dirB) };
const times = {};
const results = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const name of Object.keys(sides.A)) {
    for (const side of round % 2 === 0 ? ['A', 'B'] : ['B', 'A']) {
      const t0 = process.cpuUsage();
      const got = await sides[side][name]();
      const used = process.cpuUsage(t0);
      const ms = (used.user + used.system) / 1000;
      results[name] ??= got;
      if (got !== results[name]) throw new Error(`${side} ${name} computed ${got}, expected ${results[name]}`);
      (times[`${side} ${name}`] ??= []).push(ms);
    }
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`${N.toLocaleString('en-US')} objects, median of ${ROUNDS} interleaved rounds, Node ${process.version}\n`);
console.log('| variant | A median CPU ms | B median CPU ms | B / A |');
console.log('| --- | ---: | ---: | ---: |');
for (const name of Object.keys(sides.A)) {
  const a = median(times[`A ${name}`]);
  const b = median(times[`B ${name}`]);
  console.log(`| ${name} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(b / a).toFixed(3)} |`);
}
