import { onAbort } from '../kit/abort.js';

/**
 * Links a run to its caller's signal through the kit's `onAbort`, so runs sharing one signal (a
 * process-wide shutdown signal under 100 concurrent exports) hold ONE listener on it between
 * them, removed when the last run unlinks. An already-aborted signal links nothing: `Pipeline`
 * fails such a run right after building it, and `onAbort` would call back synchronously, from
 * inside the `Run` constructor, before the run has its stages.
 */
export function linkSignal(signal: AbortSignal, fn: () => void): () => void {
  return signal.aborted ? () => undefined : onAbort(signal, fn);
}
