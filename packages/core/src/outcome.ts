import type { RunReport } from './types.js';

/**
 * Outcome predicates. They read the state the runner recorded (who stopped the run), never an
 * error's name or class: Node reports the same abort as `AbortError`, `AggregateError` or
 * `ERR_STREAM_PREMATURE_CLOSE` depending on its version.
 */

/**
 * The caller's signal (or a client leaving, for the HTTP adapter) stopped the run.
 *
 * Contract: reads `report.outcome` only; true exactly for `'aborted'`.
 *
 * @example
 * ```ts doctest
 * const controller = new AbortController();
 * controller.abort();
 * let outcome = '';
 * await from([1]).run({ signal: controller.signal, onReport: (r) => void (outcome = r.outcome) }).catch(() => {});
 * isAborted({ outcome }); // => true
 * ```
 */
export function isAborted(report: Pick<RunReport, 'outcome'>): boolean {
  return report.outcome === 'aborted';
}

/**
 * The run's own timeout stopped it.
 *
 * Contract: reads `report.outcome` only; true exactly for `'timed-out'`.
 *
 * @example
 * ```ts doctest
 * isTimedOut({ outcome: 'timed-out' }); // => true
 * isTimedOut({ outcome: 'aborted' }); // => false
 * ```
 */
export function isTimedOut(report: Pick<RunReport, 'outcome'>): boolean {
  return report.outcome === 'timed-out';
}

/**
 * The run did not deliver every item: failed, aborted or timed out.
 *
 * Contract: reads `report.outcome` only; a consumer's early stop (`'stopped'`) is not a failure.
 *
 * @example
 * ```ts doctest
 * isFailure(await from([1, 2, 3]).run()); // => false
 * isFailure({ outcome: 'stopped' }); // => false
 * isFailure({ outcome: 'failed' }); // => true
 * ```
 */
export function isFailure(report: Pick<RunReport, 'outcome'>): boolean {
  return report.outcome === 'failed' || report.outcome === 'aborted' || report.outcome === 'timed-out';
}
