/**
 * Test support for the line-based stages (imported by their tests only): how a run's time grows
 * when its input grows fourfold. Linear work gives about 4, quadratic about 16; the bound the
 * tests use (8) sits between the two. A loaded machine only ever adds time, so each size is timed
 * as the fastest of many runs, alternating the two sizes so that both meet the same load; one
 * slow run (another job, a GC) cannot decide.
 */
import { performance } from 'node:perf_hooks';

/** One line of `chunks` × `size` characters, as `chunks` strings, followed by a newline. */
export function longLine(chunks: number, size = 100): string[] {
  const piece = 'x'.repeat(size);
  return [...Array.from({ length: chunks }, () => piece), '\n'];
}

/**
 * Fastest run over the input `make(4 * n)` against fastest run over `make(n)` (inputs are made
 * once, outside the timing): at least `minRuns` of each, more while the budget lasts (a quadratic
 * run is slow enough to stop at the minimum).
 */
export async function growthOf<T>(
  make: (n: number) => T,
  run: (input: T) => Promise<unknown>,
  n: number,
  minRuns = 3,
  budgetMs = 1500,
): Promise<number> {
  const smallInput = make(n);
  const largeInput = make(4 * n);
  await run(smallInput);
  let small = Infinity;
  let large = Infinity;
  const start = performance.now();
  for (let runs = 0; runs < minRuns || performance.now() - start < budgetMs; runs++) {
    small = Math.min(small, await timed(() => run(smallInput)));
    large = Math.min(large, await timed(() => run(largeInput)));
  }
  return large / small;
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}
