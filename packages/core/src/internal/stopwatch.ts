/**
 * Times work cheaply: every call for large batches, one call in 16 (scaled by 16) for batches of a
 * few items, where reading the clock would cost more than the work measured.
 */
export class Stopwatch {
  ms = 0;
  private tick = 0;

  /** Returns the start time if this call is to be timed, or -1. */
  start(size: number): number {
    return size >= 32 || (++this.tick & 15) === 0 ? performance.now() : -1;
  }

  stop(started: number, size: number): void {
    if (started >= 0) this.ms += (performance.now() - started) * (size >= 32 ? 1 : 16);
  }
}
