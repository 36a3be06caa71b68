import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Follows a slow consumer of fixed-size Buffers: checks each chunk's size and, every 16 chunks,
 * samples the `arrayBuffers` still reachable after a full GC, above what was reachable at the start.
 */
export function reachableSampler(chunkSize: number): { take(chunk: Buffer): void; seen: number; peak: number } {
  gc();
  const base = process.memoryUsage().arrayBuffers;
  const sampler = {
    seen: 0,
    peak: 0,
    take(chunk: Buffer): void {
      if (chunk.length !== chunkSize) throw new Error(`bad chunk: ${chunk.length} bytes, expected ${chunkSize}`);
      if (++sampler.seen % 16 === 0) {
        gc();
        sampler.peak = Math.max(sampler.peak, process.memoryUsage().arrayBuffers - base);
      }
    },
  };
  return sampler;
}
