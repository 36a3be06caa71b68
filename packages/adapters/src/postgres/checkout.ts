import { raceSignal } from '@sluice/core/kit';
import type { PgClientLike, PgPoolLike } from './pg-like.js';

/** A client the run took from the pool, with the listener that keeps a dead backend from crashing the process. */
export interface Checkout {
  readonly client: PgClientLike;
  /** Set when the connection failed under the run: the client is then destroyed, never returned. */
  broken: Error | undefined;
  readonly onError: (error: Error) => void;
  released: boolean;
}

/**
 * Takes a client from the pool, racing the wait against the signal (`pool.connect()` cannot be
 * aborted): on abort the promise rejects with the reason at once, and a client that arrives
 * later is released straight back.
 */
export async function checkOut(pool: PgPoolLike, signal: AbortSignal): Promise<Checkout> {
  const connecting = pool.connect();
  let client: PgClientLike;
  try {
    client = await raceSignal(connecting, signal);
  } catch (error) {
    if (signal.aborted)
      connecting.then(
        (late) => late.release(),
        () => undefined,
      );
    throw error;
  }
  const checkout: Checkout = {
    client,
    broken: undefined,
    released: false,
    // Without a listener, an 'error' from a terminated backend is an uncaught exception.
    onError: (error) => (checkout.broken ??= error),
  };
  client.on('error', checkout.onError);
  return checkout;
}

/**
 * Gives the client back exactly once: returned to the pool when healthy, destroyed when its
 * connection broke. A destroyed client keeps the listener: its socket may still report errors.
 */
export function giveBack(checkout: Checkout): void {
  if (checkout.released) return;
  checkout.released = true;
  if (checkout.broken) {
    checkout.client.release(checkout.broken);
    return;
  }
  checkout.client.removeListener('error', checkout.onError);
  checkout.client.release();
}

/** Settles with `promise`, or rejects after `ms` (the promise's own rejection is then handled). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
