import { EventEmitter, getEventListeners } from 'node:events';

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
  /** Resource types (from `process.getActiveResourcesInfo()`) allowed to grow, e.g. sockets a test server keeps alive. */
  readonly allowResources?: readonly string[];
}

/** What a leak check found; empty arrays mean nothing leaked. */
export interface LeakReport {
  readonly listeners: string[];
  readonly resources: string[];
  readonly unhandledRejections: unknown[];
  readonly warnings: Error[];
}

/**
 * Starts a leak check: snapshots listener counts of what you watch and the process's active
 * handles (timers, sockets, file handles), and captures unhandled rejections and process warnings
 * until `finish()`. `finish()` waits one event-loop turn, then reports what grew.
 *
 * ```ts
 * const leaks = leakCheck({ watch: [signal] });
 * await pipeline.run({ signal });
 * expect(await leaks.finish()).toEqual(NO_LEAKS);
 * ```
 */
export function leakCheck(options: LeakCheckOptions = {}) {
  const watched = (options.watch ?? []).map((target) => ({ target, before: listenerCounts(target) }));
  const resourcesBefore = activeResources();
  const unhandledRejections: unknown[] = [];
  const warnings: Error[] = [];
  const onRejection = (reason: unknown) => unhandledRejections.push(reason);
  const onWarning = (warning: Error) => warnings.push(warning);
  process.on('unhandledRejection', onRejection);
  process.on('warning', onWarning);
  return {
    /** Waits an event-loop turn, stops listening and reports what grew since `leakCheck()`. */
    async finish(): Promise<LeakReport> {
      // Let rejections be noticed (they are reported after the microtask queue drains) and
      // handles that are closing finish closing.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
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
      for (const [type, count] of activeResources()) {
        const base = resourcesBefore.get(type) ?? 0;
        if (count > base && !options.allowResources?.includes(type)) resources.push(`${type}: ${base} -> ${count}`);
      }
      return { listeners, resources, unhandledRejections, warnings };
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
