import { checkResult } from '../internal/iterator-protocol.js';

/**
 * The abort toolkit: every "until X, unless the signal aborts" in sluice goes through these, so
 * "no listener left behind" rests on four tested functions instead of every author's care.
 * Never `AbortSignal.any`, which leaks on Node 20 and 22 (notes/node-streams.md §5).
 */

interface Link {
  readonly fn: (reason: unknown) => void;
}

interface Registry {
  readonly links: Set<Link>;
  readonly dispatch: () => void;
}

const registries = new WeakMap<AbortSignal, Registry>();

function registryOf(signal: AbortSignal): Registry {
  let registry = registries.get(signal);
  if (registry) return registry;
  const links = new Set<Link>();
  const dispatch = () => {
    registries.delete(signal);
    for (const link of [...links]) {
      // An earlier callback may have unlinked a later one: that one is not called, as with listeners.
      if (!links.delete(link)) continue;
      try {
        link.fn(signal.reason);
      } catch (error) {
        // As a throwing listener would: reported as uncaught, and the other callbacks still run.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  };
  registry = { links, dispatch };
  registries.set(signal, registry);
  signal.addEventListener('abort', dispatch, { once: true });
  return registry;
}

/**
 * Calls `fn(signal.reason)` once when `signal` aborts; returns the function that unlinks it.
 *
 * Contract:
 * - An already-aborted signal calls `fn` synchronously, before `onAbort` returns (so the caller
 *   sees the abort before it starts anything), and the returned unlink does nothing.
 * - The unlink is idempotent and may be called from inside `fn` or after the abort; once it ran,
 *   `fn` is never called.
 * - However many callbacks are linked, the signal holds at most ONE `'abort'` listener (Node 20
 *   warns past 10: a process-wide shutdown signal under 100 concurrent runs), removed when the
 *   last callback unlinks or the signal aborts: nothing is left on a long-lived signal.
 * - Callbacks run in the order they were linked. One that throws is reported as uncaught (as a
 *   throwing listener is) and the others still run.
 *
 * @example
 * ```ts
 * const unlink = onAbort(signal, (reason) => stream.destroy(reason as Error));
 * try { await work(); } finally { unlink(); }
 * ```
 */
export function onAbort(signal: AbortSignal, fn: (reason: unknown) => void): () => void {
  if (signal.aborted) {
    fn(signal.reason);
    return () => undefined;
  }
  const registry = registryOf(signal);
  const link: Link = { fn };
  registry.links.add(link);
  return () => {
    if (!registry.links.delete(link) || registry.links.size > 0) return;
    signal.removeEventListener('abort', registry.dispatch);
    if (registries.get(signal) === registry) registries.delete(signal);
  };
}

type Follower = (ok: boolean, value: unknown) => void;

/**
 * One reaction per promise, however many races follow it: a reaction cannot be removed, so a
 * reaction per race on a promise that stays pending for a whole run (a pull that outlives many
 * batch timers) would keep every race, and what it settled with, reachable until that promise
 * settles. Here a race that ends first just leaves the entry: one follower (the usual case, no
 * set), several, or null once all left (still subscribed, so a new race adds no reaction).
 */
const followers = new WeakMap<PromiseLike<unknown>, Follower | Set<Follower> | null>();

// Its own function: closures share their function's context, so a reaction made inside
// `follow` would keep the first follower (and the race it settles) alive with the promise.
function subscribe(promise: PromiseLike<unknown>): void {
  const settle = (ok: boolean, value: unknown) => {
    const entry = followers.get(promise);
    followers.delete(promise);
    if (typeof entry === 'function') entry(ok, value);
    else if (entry) for (const follower of entry) follower(ok, value);
  };
  // Promise.resolve: a foreign thenable's then() may throw or call back synchronously.
  Promise.resolve(promise).then(
    (value) => settle(true, value),
    (error: unknown) => settle(false, error),
  );
}

function follow(promise: PromiseLike<unknown>, follower: Follower): () => void {
  const entry = followers.get(promise);
  if (entry === undefined) {
    followers.set(promise, follower);
    subscribe(promise);
  } else if (entry === null) followers.set(promise, follower);
  else if (typeof entry === 'function') followers.set(promise, new Set([entry, follower]));
  else entry.add(follower);
  return () => {
    const current = followers.get(promise);
    if (current === follower) followers.set(promise, null);
    else if (current instanceof Set) current.delete(follower);
  };
}

/**
 * Settles as `promise` does, unless `signal` aborts first: then rejects with `signal.reason`.
 *
 * Contract:
 * - The abort listener is removed on both outcomes; without a signal this is `promise` itself.
 * - The loser never surfaces: a `promise` that rejects after the abort (or while the signal was
 *   already aborted) is handled, never an unhandled rejection.
 * - Nothing of the race stays reachable once it settled: not from the signal (unlinked), and not
 *   from `promise` either, which carries one shared reaction however many races follow it, so
 *   racing the same long-lived promise again and again (a pull that outlives many timers) holds
 *   nothing per race. Use this instead of `Promise.race` with a promise that may stay pending.
 *
 * @example
 * ```ts
 * const { bytesRead } = await raceSignal(handle.read(buffer, 0, size, null), signal);
 * ```
 */
export function raceSignal<T>(promise: PromiseLike<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return Promise.resolve(promise);
  if (signal.aborted) {
    // Subscribed with nobody following: its rejection is handled, and nothing piles up on it.
    if (!followers.has(promise)) {
      followers.set(promise, null);
      subscribe(promise);
    }
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const unfollow = follow(promise, (ok, value) => {
      unlink();
      if (ok) resolve(value as T);
      else reject(value);
    });
    const unlink = onAbort(signal, (reason) => {
      unfollow();
      reject(reason);
    });
  });
}

/**
 * A wake-up call between whoever changes some state (a pump, a callback, a writer) and whoever
 * waits for it to change.
 *
 * Contract:
 * - A notify with nobody waiting is remembered: the next `wait()` resolves at once (one
 *   remembered notify, not a count). A change between a consumer's check and its wait is never
 *   lost.
 * - Any number of waiters: `notify()` wakes every current one. Waiters re-check the state they
 *   wait on, so a wake-up is a hint, never a hand-over.
 * - `wait(signal)` rejects with `signal.reason` on abort (at once when already aborted, without
 *   consuming a remembered notify), and leaves no listener and no waiter behind whichever way it
 *   settles: a notify after an aborted wait is remembered for the next one, not lost on it.
 *
 * @example
 * ```ts
 * const changed = new Notifier();
 * source.on('data', (chunk) => { queue.push(chunk); changed.notify(); });
 * while (queue.length === 0) await changed.wait(signal);
 * ```
 */
export class Notifier {
  private waiters: (() => void)[] = [];
  private pending = false;

  /** Wakes every waiter; with none waiting, the next `wait()` returns at once (remembered once, not counted). */
  notify(): void {
    const waiters = this.waiters;
    if (waiters.length === 0) {
      this.pending = true;
      return;
    }
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves at the next notify (at once if one came since the last wait); rejects with `signal.reason` on abort. */
  wait(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      let unlink: (() => void) | undefined;
      const wake = () => {
        unlink?.();
        resolve();
      };
      this.waiters.push(wake);
      if (signal) {
        unlink = onAbort(signal, (reason) => {
          const at = this.waiters.indexOf(wake);
          if (at >= 0) this.waiters.splice(at, 1);
          reject(reason);
        });
      }
    });
  }
}

/**
 * Pulls once from an iterator driven by hand (`it.next(hint)`, the demand hint passed only when
 * given) as a promise that never throws synchronously: a `next()` that throws becomes a rejection,
 * and a result that is not an object rejects with the coded `ERR_SLUICE_INVALID_ITERATOR`
 * TypeError naming `what`, where `for await` would throw. A pull loop in callbacks must not read
 * `done` off null, where the TypeError would go unhandled and the loop wait forever.
 *
 * @example
 * ```ts
 * pullOnce(it, 'buffer()').then((r) => (r.done ? end() : push(r.value)), fail);
 * ```
 */
export function pullOnce<T>(it: AsyncIterator<T>, what: string, hint?: number): Promise<IteratorResult<T>> {
  let pulled: unknown;
  try {
    pulled = hint === undefined ? it.next() : (it.next as (hint: number) => unknown).call(it, hint);
  } catch (error) {
    return Promise.reject(error);
  }
  return Promise.resolve(pulled).then((r) => checkResult<T>(r, what, false));
}
