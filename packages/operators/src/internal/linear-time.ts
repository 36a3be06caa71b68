/**
 * Test support for the line-based stages (imported by their tests only): how a run's time grows
 * when its input grows fourfold. Linear work gives about 4, quadratic about 16; the bound the
 * tests use (8) sits between the two with room for a loaded machine. Each size is timed as the
 * best of several interleaved rounds, so one slow round (another job, a GC) cannot decide, and a
 * round repeats a fast run until it has lasted long enough for the clock and GC pauses to average out.
 */
import { performance } from 'node:perf_hooks';

/** One line of `chunks` × `size` characters, as `chunks` strings, followed by a newline. */
export function longLine(chunks: number, size = 100): string[] {
  const piece = 'x'.repeat(size);
  return [...Array.from({ length: chunks }, () => piece), '\n'];
}

/** Best time of `run(n)` against best time of `run(4 * n)`, as the ratio of the second to the first. */
export async function growthOf(run: (n: number) => Promise<unknown>, n: number, rounds = 5): Promise<number> {
  let small = Infinity;
  let large = Infinity;
  for (let round = 0; round < rounds; round++) {
    small = Math.min(small, await timed(() => run(n)));
    large = Math.min(large, await timed(() => run(4 * n)));
  }
  return large / small;
}

const ROUND_MS = 25;

/** Mean time of one run, over as many runs as fill `ROUND_MS`. */
async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  let runs = 0;
  let elapsed = 0;
  do {
    await run();
    runs++;
    elapsed = performance.now() - start;
  } while (elapsed < ROUND_MS);
  return elapsed / runs;
}
