/**
 * Links runs to a caller's signal with at most ONE listener on that signal, however many runs
 * share it (a process-wide shutdown signal under 100 concurrent exports): Node 20 warns about a
 * possible leak past 10 abort listeners, and every listener is removed when the last run unlinks.
 * Never `AbortSignal.any`, which leaks on Node 20 and 22.
 */
interface Registry {
  readonly callbacks: Set<() => void>;
  readonly dispatch: () => void;
}

const registries = new WeakMap<AbortSignal, Registry>();

/** Calls `onAbort` when `signal` aborts; returns the function that unlinks it. */
export function linkSignal(signal: AbortSignal, onAbort: () => void): () => void {
  let registry = registries.get(signal);
  if (!registry) {
    const callbacks = new Set<() => void>();
    const dispatch = () => {
      registries.delete(signal);
      for (const callback of [...callbacks]) callback();
    };
    registry = { callbacks, dispatch };
    registries.set(signal, registry);
    signal.addEventListener('abort', dispatch, { once: true });
  }
  const { callbacks, dispatch } = registry;
  callbacks.add(onAbort);
  return () => {
    if (!callbacks.delete(onAbort) || callbacks.size > 0) return;
    signal.removeEventListener('abort', dispatch);
    if (registries.get(signal)?.callbacks === callbacks) registries.delete(signal);
  };
}
