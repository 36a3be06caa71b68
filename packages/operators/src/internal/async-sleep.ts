import { onAbort } from '@sluice/core/kit';

/**
 * Resolves after `ms` milliseconds, or rejects with `signal.reason` as soon as `signal` aborts,
 * clearing the timer and unlinking from the signal either way: nothing is left behind.
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      unlink();
      resolve();
    }, ms);
    const unlink = onAbort(signal, (reason) => {
      clearTimeout(timer);
      reject(reason);
    });
  });
}
