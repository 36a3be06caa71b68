/**
 * Signal plumbing shared by the concurrent operators. Every link is made by adding a listener
 * and removing it again (never `AbortSignal.any`, which leaks on Node 20 and 22).
 */

/** Calls `onAbort` once when `signal` aborts; returns the function that removes the listener. */
export function whenAborted(signal: AbortSignal, onAbort: (reason: unknown) => void): () => void {
  if (signal.aborted) {
    onAbort(signal.reason);
    return () => undefined;
  }
  const listener = () => onAbort(signal.reason);
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
}

/**
 * Waits for `promise` unless `signal` aborts first, then rejects with `signal.reason`. The
 * listener is removed as soon as either side settles.
 */
export function raceSignal<T>(promise: PromiseLike<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const unlink = whenAborted(signal, reject);
    promise.then(
      (value) => {
        unlink();
        resolve(value);
      },
      (error: unknown) => {
        unlink();
        reject(error);
      },
    );
  });
}

/** The reason the concurrent operators abort their own work with when the consumer stops early. */
export function stoppedReason(operator: string): DOMException {
  return new DOMException(`${operator}: the consumer stopped before the end`, 'AbortError');
}
