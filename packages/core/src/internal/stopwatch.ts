/** Batches of this many items or more are timed on every call. */
const LARGE = 32;

/** One call in 64 is timed for smaller batches (and counted 64 times). */
const SAMPLE_MASK = 63;

/**
 * Times work cheaply: every call for large batches, one call in 64 (scaled by 64) for batches of
 * a few items, where reading the clock (~50–100 ns) would cost as much as the pull it measures
 * (an item from an async generator takes ~200 ns).
 */
export class Stopwatch {
  ms = 0;
  private tick = 0;

  /** Returns the start time if this call is to be timed, or -1. */
  start(size: number): number {
    return size >= LARGE || (++this.tick & SAMPLE_MASK) === 0 ? performance.now() : -1;
  }

  stop(started: number, size: number): void {
    if (started >= 0) this.ms += (performance.now() - started) * (size >= LARGE ? 1 : SAMPLE_MASK + 1);
  }
}
