import type { RunReport } from '../types.js';

/**
 * Run options that record what a run reports about its teardown: every error `onCleanupError`
 * heard, in order, and the report. Spread `options` into the run's options.
 */
export function cleanupRecorder() {
  const hooked: unknown[] = [];
  let report: RunReport | undefined;
  return {
    hooked,
    /** The run's report; throws if the run has not settled yet. */
    get report(): RunReport {
      if (!report) throw new Error('cleanupRecorder: the run has not reported yet');
      return report;
    },
    options: {
      /** Records a cleanup error into `hooked`. */
      onCleanupError: (error: unknown) => void hooked.push(error),
      /** Keeps the report for `report`. */
      onReport: (r: RunReport) => {
        report = r;
      },
    },
  };
}
