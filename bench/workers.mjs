// CPU-bound work per item on worker threads against the same work in-thread: mapInWorkers on a
// piscina pool of 2 threads (2 cores here) vs map() on the main thread. Runs the BUILT packages:
//   pnpm build && node bench/workers.mjs [items] [rounds]
// Two kinds of work: 2,000 chained sha256 per item, and gzip of a 256 KiB buffer per item.
import { from } from '@sluice/core';
import { map } from '@sluice/operators';
import { mapInWorkers } from '@sluice/adapters/workers';
import { Piscina } from 'piscina';
import work from '../packages/adapters/src/workers/fixtures/work.mjs';

const N = Number(process.argv[2] ?? 200);
const ROUNDS = Number(process.argv[3] ?? 5);
const module = new URL('../packages/adapters/src/workers/fixtures/work.mjs', import.meta.url);
const pool = new Piscina({ filename: module.href, minThreads: 2, maxThreads: 2 });
const bytes = Buffer.alloc(256 * 1024);
for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) % 251;
const kinds = {
  sha256: () => Array.from({ length: N }, (_, n) => ({ n, rounds: 2000 })),
  gzip: () => Array.from({ length: N }, () => ({ kind: 'gzip', bytes })),
};
const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
for (const [kind, make] of Object.entries(kinds)) {
  const t = { inThread: [], workers: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const tasks = make();
    let s = performance.now();
    const a = await from(tasks).pipe(map(work)).toArray();
    t.inThread.push(performance.now() - s);
    s = performance.now();
    const b = await from(tasks)
      .pipe(mapInWorkers(module, { concurrency: 4, pool }))
      .toArray();
    t.workers.push(performance.now() - s);
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error('results differ');
  }
  const [x, y] = [median(t.inThread), median(t.workers)];
  console.log(
    `${kind.padEnd(7)} ${N} items: in-thread ${x.toFixed(0)} ms, mapInWorkers (2 threads) ${y.toFixed(0)} ms, speed-up ${(x / y).toFixed(2)}x`,
  );
}
await pool.destroy();
