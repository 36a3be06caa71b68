import { waitFor } from './wait.js';

/** One pending wait, woken by `notify()` or by the signal; no listener is left either way. */
export class Waker {
  private wake: (() => void) | undefined;

  wait(signal: AbortSignal): Promise<void> {
    return waitFor<void>((waiting) => {
      this.wake = () => waiting.resolve();
      waiting.listen(signal, 'abort', () => this.notify());
      if (signal.aborted) this.notify();
    });
  }

  notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
