import { raceSignal } from './async-signal.js';

/**
 * A wake-up call between a background producer (a pump, task callbacks) and the consumer side of
 * a concurrent operator: the consumer waits, anything that changes the state notifies. A notify
 * with nobody waiting is remembered until the next wait, so no change is ever missed.
 */
export class Notifier {
  private waiting: { resolve: () => void } | undefined;
  private pending = false;

  notify(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) waiting.resolve();
    else this.pending = true;
  }

  /** Resolves at the next notify (at once if one came since the last wait); rejects with `signal.reason` on abort. */
  wait(signal?: AbortSignal): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return signal?.aborted ? Promise.reject(signal.reason) : Promise.resolve();
    }
    const woken = new Promise<void>((resolve) => {
      this.waiting = { resolve };
    });
    return signal ? raceSignal(woken, signal) : woken;
  }
}
