// The worker module of bench/workers.mjs (a copy of packages/adapters/src/workers/fixtures/work.mjs: bench runs the built packages).
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export default function work(task) {
  if (task.kind === 'spin') {
    // Ignores everything until the thread is terminated: only piscina's abort can stop it.
    for (;;);
  }
  if (task.kind === 'throw') throw new Error(`bad item ${task.n}`);
  if (task.kind === 'gzip') return gzipSync(Buffer.from(task.bytes)).length;
  let digest = Buffer.from(String(task.n));
  for (let i = 0; i < (task.rounds ?? 1); i++) digest = createHash('sha256').update(digest).digest();
  return digest.toString('hex');
}
