import type { ProgressSnapshot, RunReport } from '../types.js';
import type { ProbedRun, RunProbe } from './probe.js';

const DEFAULT_PROGRESS_INTERVAL = 1000;

/**
 * Starts the progress timer, unref'd, holding its `Progress` (and so the run) only weakly: an
 * iteration its consumer dropped without returning it never settles, and a timer holding it
 * would keep the run, its source and the timer itself alive forever. Once the run was collected
 * the next tick clears the timer. Kept out of the class so that the callback captures no `this`.
 */
function tickWhileReachable(progress: WeakRef<Progress>, interval: number): ReturnType<typeof setInterval> {
  const timer = setInterval(() => {
    const live = progress.deref();
    if (live) live.tick();
    else clearInterval(timer);
  }, interval);
  (timer as { unref?: () => void }).unref?.();
  return timer;
}

/**
 * Calls a run's `onProgress` every `progressInterval` ms and once when it settles. The timer is
 * the global `setInterval` (fake timers drive it in tests), unref'd (progress never keeps a
 * process alive) and cleared at settlement; snapshots are made from the probe's counters, so a
 * tick costs the same whatever the volume.
 */
export class Progress {
  private readonly timer: ReturnType<typeof setInterval>;
  private lastItems = 0;
  private lastAt: number;
  /** onProgress threw: it failed the run and is not called again. */
  private threw = false;

  constructor(
    private readonly probe: RunProbe,
    private readonly onProgress: (snapshot: ProgressSnapshot) => void,
    interval: number | undefined,
    private readonly run: ProbedRun,
  ) {
    this.lastAt = probe.started;
    this.timer = tickWhileReachable(new WeakRef(this), interval ?? DEFAULT_PROGRESS_INTERVAL);
  }

  /** @internal Called by the timer while the run is reachable. */
  tick(): void {
    try {
      this.onProgress(this.snapshot(this.probe.links.at(-1)?.items ?? 0));
    } catch (error) {
      clearInterval(this.timer);
      this.threw = true;
      this.run.fail(error, 'failed');
    }
  }

  /** The snapshot at settlement; a throw here is reported like one from `onReport`. */
  final(report: RunReport, hookFailed: (error: unknown) => void): void {
    clearInterval(this.timer);
    if (this.threw) return;
    try {
      this.onProgress(this.snapshot(report.items, report));
    } catch (error) {
      hookFailed(error);
    }
  }

  private snapshot(items: number, report?: RunReport): ProgressSnapshot {
    const now = performance.now();
    const seconds = (now - this.lastAt) / 1000;
    const ratePerSec = seconds > 0 ? Math.max(0, items - this.lastItems) / seconds : 0;
    this.lastItems = items;
    this.lastAt = now;
    const { links } = this.probe;
    const source = links[0];
    const probe = this.probe;
    return {
      items,
      bytes: links.at(-1)?.bytes ?? 0,
      ratePerSec,
      elapsedMs: now - probe.started,
      source: {
        name: source?.name ?? '',
        state: probe.closedAt !== null ? 'closed' : probe.openedAt !== null ? 'open' : 'pending',
        items: source?.items ?? 0,
        bytes: source?.bytes ?? 0,
        heldMs: probe.heldMs(now),
      },
      stages: links
        .slice(1)
        .map((link, i) => ({ name: link.name, fused: link.fused, itemsIn: links[i]!.items, itemsOut: link.items })),
      final: report !== undefined,
      ...(report ? { outcome: report.outcome } : {}),
    };
  }
}
