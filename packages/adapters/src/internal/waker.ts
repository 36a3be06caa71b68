/** One pending wait, woken by `notify()` or by the signal; no listener is left either way. */
export class Waker {
  private wake: (() => void) | undefined;

  wait(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const onAbort = () => this.notify();
      this.wake = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
