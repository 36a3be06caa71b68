import { EventEmitter, getEventListeners } from 'node:events';
import { resourceNames, trackResources } from './resource-tracker.js';

/** Counts of the listeners an emitter or signal holds, by event name. */
export function listenerCounts(target: EventEmitter | EventTarget, events?: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  if (target instanceof EventEmitter) {
    for (const name of events ?? target.eventNames().map(String)) counts[name] = target.listenerCount(name);
  } else {
    for (const name of events ?? ['abort']) counts[name] = getEventListeners(target, name).length;
  }
  return counts;
}

/** Number of `'abort'` listeners on a signal (Node's own view, which sees every listener). */
export function abortListenerCount(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length;
}

function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

/** What `leakCheck` watches besides the process's resources. */
export interface LeakCheckOptions {
  /** Emitters and signals whose listener counts must be back to their baseline. */
  readonly watch?: readonly (EventEmitter | EventTarget)[];
  /**
   * Resource types allowed to remain, by their `process.getActiveResourcesInfo()` name
   * (`'TCPSocketWrap'`, `'Timeout'`, `'FSReqCallback'`; `'FileHandle'` for an `fs/promises` handle)
   * or their async_hooks type (`'TCPWRAP'`), e.g. the sockets a test server keeps alive.
   */
  readonly allowResources?: readonly string[];
}

/** What a leak check found; empty arrays mean nothing leaked. */
export interface LeakReport {
  readonly listeners: string[];
  readonly resources: string[];
  readonly unhandledRejections: unknown[];
  readonly warnings: Error[];
}

/** A check started by `leakCheck`. */
export interface LeakCheck {
  /** Waits three turns of the event loop, stops watching and reports what was left; later calls get the same report. */
  finish(): Promise<LeakReport>;
}

/**
 * Starts a leak check: follows the resources created from now on (timers, immediates, sockets,
 * servers, pipes, child processes, watchers, pending fs and DNS requests, `fs/promises` file
 * handles), snapshots the listener counts of what you watch, and captures unhandled rejections
 * and process warnings until `finish()`.
 *
 * Contract:
 * - A resource is a leak when it was created after `leakCheck()` and is still open at `finish()`
 *   (three turns of the loop later, so that what is closing has closed). It is followed by identity
 *   (async_hooks), so a leak is found even when something older closed meanwhile and the count of
 *   its type did not change. Reported per type: `'Timeout: 1 created during the check still active'`.
 * - An unref-ed timer or socket left open is a leak too, though `process.getActiveResourcesInfo()`
 *   does not list it: it still fires, or holds its descriptor, after the test. Timers Node starts
 *   unref-ed for itself (a socket's idle timeout, the HTTP `Date` cache) are left to their socket.
 * - What existed before `leakCheck()` is not judged, whether it stays or goes. Counts of
 *   `process.getActiveResourcesInfo()` are compared as well, as a second net: a type whose count
 *   grew by more than the leaks found by identity is reported as `'Timeout: 1 -> 2'` (an older
 *   handle that was ref-ed again, a type async_hooks does not show).
 * - `allowResources` types are not reported either way. Listeners of `watch` count as leaked when
 *   their number grew, by event name.
 * - `finish()` must be called, in a `finally` if the test can throw before it: until then an
 *   async_hooks hook runs on every async operation of the process (promises included).
 *
 * ```ts doctest
 * import { leakCheck } from '@sluice/core/testing';
 *
 * const older = setTimeout(() => {}, 60_000);
 * const leaks = leakCheck();
 * clearTimeout(older); // an older timer goes away while a new one is left behind: same count
 * const left = setTimeout(() => {}, 60_000);
 * (await leaks.finish()).resources; // => ['Timeout: 1 created during the check still active']
 * clearTimeout(left);
 * ```
 */
export function leakCheck(options: LeakCheckOptions = {}): LeakCheck {
  const watched = (options.watch ?? []).map((target) => ({ target, before: listenerCounts(target) }));
  const allowed = resourceNames(options.allowResources ?? []);
  const resourcesBefore = activeResources();
  const tracker = trackResources();
  const unhandledRejections: unknown[] = [];
  const warnings: Error[] = [];
  const onRejection = (reason: unknown) => unhandledRejections.push(reason);
  const onWarning = (warning: Error) => warnings.push(warning);
  process.on('unhandledRejection', onRejection);
  process.on('warning', onWarning);
  const settle = async (): Promise<LeakReport> => {
    // Let rejections be noticed (they are reported after the microtask queue drains) and
    // handles that are closing finish closing; the check's own immediates are not followed.
    const turn = () => new Promise((resolve) => tracker.unfollowed(() => setImmediate(resolve)));
    await turn();
    await turn();
    const left = await tracker.stop();
    process.off('unhandledRejection', onRejection);
    process.off('warning', onWarning);
    const listeners: string[] = [];
    for (const { target, before } of watched) {
      const after = listenerCounts(target);
      for (const [name, count] of Object.entries(after)) {
        const base = before[name] ?? 0;
        if (count > base) listeners.push(`${target.constructor.name} '${name}': ${base} -> ${count}`);
      }
    }
    const resources: string[] = [];
    for (const [type, count] of left)
      if (!allowed.has(type)) resources.push(`${type}: ${count} created during the check still active`);
    for (const [type, count] of activeResources()) {
      const base = resourcesBefore.get(type) ?? 0;
      if (count - base > (left.get(type) ?? 0) && !allowed.has(type)) resources.push(`${type}: ${base} -> ${count}`);
    }
    return { listeners, resources, unhandledRejections, warnings };
  };
  let report: Promise<LeakReport> | undefined;
  return {
    finish() {
      report ??= settle();
      return report;
    },
  };
}

/** The report of a check that found nothing, for `expect(report).toEqual(NO_LEAKS)`. */
export const NO_LEAKS: LeakReport = Object.freeze({
  listeners: [],
  resources: [],
  unhandledRejections: [],
  warnings: [],
});
