import type { EventEmitter } from 'node:events';
import { onAbort } from '@sluice/core/kit';

/** What `waitFor`'s arming function gets: settle the wait, and listen until it settles. */
export interface Waiting<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
  /** Adds `listener` to `emitter`; it is removed when the wait settles. */
  listen(emitter: EventEmitter, event: string, listener: (...args: never[]) => void): void;
  /** Runs `cleanup` when the wait settles (clear a timer, unlink from a signal: `onSettle(onAbort(signal, …))`). */
  onSettle(cleanup: () => void): void;
}

/**
 * The adapters' wait for "X, unless Y first" on Node emitters (`'drain'` unless `'close'`,
 * `'error'` or the signal), the one thing the kit's `raceSignal` and `Notifier` do not cover:
 * `arm` registers everything that can end the wait; the first `resolve`/`reject` wins and
 * removes every listener and runs every cleanup, whoever won. Nothing is left behind on a
 * long-lived emitter or signal. Arm with `.then` only on promises that settle soon (one write's
 * flush); race a promise that may stay pending with the kit's `raceSignal`.
 */
export function waitFor<T>(arm: (waiting: Waiting<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const cleanups: (() => void)[] = [];
    const settle = () => {
      if (settled) return false;
      settled = true;
      for (const cleanup of cleanups.splice(0)) cleanup();
      return true;
    };
    const waiting: Waiting<T> = {
      resolve: (value) => settle() && resolve(value),
      reject: (error) => settle() && reject(error),
      listen(emitter, event, listener) {
        if (settled) return;
        const fn = listener as (...args: unknown[]) => void;
        emitter.on(event, fn);
        cleanups.push(() => emitter.off(event, fn));
      },
      onSettle(cleanup) {
        if (settled) cleanup();
        else cleanups.push(cleanup);
      },
    };
    arm(waiting);
  });
}

/** Rejects `waiting` with the signal's reason when it aborts (at once if it already has). */
export function rejectOnAbort(waiting: Waiting<unknown>, signal: AbortSignal | undefined): void {
  if (signal) waiting.onSettle(onAbort(signal, waiting.reject));
}
