import { describe, expect, it } from 'vitest';
import { MiB, measureInChild, type MemoryPeaks } from './test-support/memory-probe.js';

/** Measures a scenario at 150 MB and at 300 MB of 64 KiB chunks, each in a child under a 64 MiB heap. */
async function atTwoVolumes(scenario: URL, args: Record<string, unknown> = {}): Promise<[MemoryPeaks, MemoryPeaks]> {
  const small = await measureInChild(scenario, { ...args, megabytes: 150 });
  const large = await measureInChild(scenario, { ...args, megabytes: 300 });
  return [small, large];
}

/**
 * What stays reachable (after a full GC) is under `bound` at both volumes, and does not move by
 * more than `drift` when the volume doubles; neither does the RSS by more than 32 MiB. A sink
 * that kept what it wrote would hold ~150 MiB more at the larger volume.
 */
function expectFlat([small, large]: [MemoryPeaks, MemoryPeaks], bound: number, drift: number): void {
  expect(large.samples).toBeGreaterThan(small.samples);
  for (const peaks of [small, large]) expect(peaks.arrayBuffers).toBeLessThan(bound);
  expect(large.arrayBuffers - small.arrayBuffers).toBeLessThan(drift);
  expect(large.heapUsed - small.heapUsed).toBeLessThan(drift);
  expect(large.rss - small.rss).toBeLessThan(32 * MiB);
}

describe('memory under a slow consumer (64 MiB heap; 150 MB, then 300 MB of 64 KiB Buffers)', () => {
  it('toNodeWritable keeps nothing it wrote reachable', async () => {
    expectFlat(await atTwoVolumes(new URL('./node/to-node-writable.memory.ts', import.meta.url)), 8 * MiB, 4 * MiB);
  }, 120_000);

  // Sockets hold more in flight than a plain writable: a looser bound, still far below the volume.
  it.each([false, true])(
    'sendPipeline (gzip: %s) keeps nothing it sent reachable',
    async (gzip) => {
      expectFlat(
        await atTwoVolumes(new URL('./http/send-pipeline.memory.ts', import.meta.url), { gzip }),
        32 * MiB,
        16 * MiB,
      );
    },
    120_000,
  );
});
