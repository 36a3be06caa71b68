import { monitorEventLoopDelay } from 'node:perf_hooks';

/** How the event loop fared while some work ran. */
export interface LoopMeasure {
  /** p99 of the event-loop delay (`monitorEventLoopDelay`, 1 ms resolution), in ms. */
  readonly p99: number;
  /** Delay samples taken. */
  readonly count: number;
  /**
   * The most CPU time the process spent between two turns of the loop, in ms: what the work held
   * the loop for, which the OS descheduling a busy process on a loaded machine does not inflate.
   */
  readonly longestHoldMs: number;
  /** Wall time of the work, in ms. */
  readonly ms: number;
}

/** Measures the event loop while `work` runs. */
export async function measureLoop(work: () => Promise<unknown>): Promise<LoopMeasure> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  let last = process.cpuUsage();
  let longestHoldMs = 0;
  const ticker = setInterval(() => {
    const used = process.cpuUsage(last);
    last = process.cpuUsage();
    longestHoldMs = Math.max(longestHoldMs, (used.user + used.system) / 1000);
  }, 1);
  const started = performance.now();
  try {
    await work();
  } finally {
    clearInterval(ticker);
    histogram.disable();
  }
  return {
    p99: histogram.percentile(99) / 1e6,
    count: histogram.count,
    longestHoldMs,
    ms: performance.now() - started,
  };
}

/**
 * Busy work for `ms` of wall time that yields every 5 ms by itself: measured with `measureLoop`,
 * it is the control for a fairness bound, showing what this machine's load adds to any fair
 * program (a CPU-bound process waits its turn among the others).
 */
export async function fairBusyWork(ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const slice = performance.now() + 5;
    while (performance.now() < slice);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
