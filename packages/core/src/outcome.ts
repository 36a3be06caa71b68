import type { RunReport } from './types.js';

/**
 * Outcome predicates. They read the state the runner recorded (who stopped the run), never an
 * error's name or class: Node reports the same abort as `AbortError`, `AggregateError` or
 * `ERR_STREAM_PREMATURE_CLOSE` depending on its version.
 */

/** The caller's signal (or a client leaving, for the HTTP adapter) stopped the run. */
export function isAborted(report: Pick<RunReport, 'outcome'>): boolean {
  return report.outcome === 'aborted';
}

/** The run's own timeout stopped it. */
export function isTimedOut(report: Pick<RunReport, 'outcome'>): boolean {
  return report.outcome === 'timed-out';
}

/** The run did not deliver every item: failed, aborted or timed out (a consumer's early stop is not a failure). */
export function isFailure(report: Pick<RunReport, 'outcome'>): boolean {
  return report.outcome === 'failed' || report.outcome === 'aborted' || report.outcome === 'timed-out';
}
