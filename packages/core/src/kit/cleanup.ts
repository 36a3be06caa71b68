import { SluiceTypeError } from '../errors.js';
import type { SluiceWarningCode } from '../codes.js';
import { describeValue } from './describe.js';

/**
 * Errors nobody can be handed any more: cleanup errors (protocol 5.4) and errors thrown by a
 * user's report callback. They are never dropped: a run routes cleanup errors to its own
 * `onCleanupError` and `report.cleanupErrors`, and what reaches no run becomes a process warning,
 * always in one format, `sluice: <what happened> <where>: <message>`, with the stack as `detail`.
 */

type CleanupReporter = (error: unknown, where: string) => void;

/** The run each signal belongs to, by the signal a run hands its stages (weak: it dies with the run). */
const reporters = new WeakMap<AbortSignal, CleanupReporter>();

/** @internal Called by a run for its own signal. */
export function registerCleanupReporter(signal: AbortSignal, reporter: CleanupReporter): void {
  reporters.set(signal, reporter);
}

/** @internal The reporter of the run `signal` belongs to, if it is a run's signal. */
export function cleanupReporterOf(signal: AbortSignal | undefined): CleanupReporter | undefined {
  return signal ? reporters.get(signal) : undefined;
}

/** The message and stack of anything thrown, without running its code or throwing. */
function textOf(error: unknown): { message: string; stack: string | undefined } {
  try {
    if (error instanceof Error) return { message: error.message, stack: error.stack };
  } catch {
    // A revoked Proxy throws even on `instanceof`: describe it instead.
  }
  return { message: typeof error === 'string' ? error : describeValue(error), stack: undefined };
}

function emitSluiceWarning(code: SluiceWarningCode, what: string, error: unknown): void {
  const { message, stack } = textOf(error);
  process.emitWarning(`sluice: ${what}: ${message}`, { code, detail: stack } as never);
}

/** Emits a cleanup error no run will hear of as a `SLUICE_CLEANUP_ERROR` process warning. */
export function warnCleanupError(error: unknown, where: string): void {
  emitSluiceWarning('SLUICE_CLEANUP_ERROR', `error while closing ${where}`, error);
}

/**
 * Emits an error thrown by a report callback (such as `sendPipeline`'s `onReport`) as a
 * `SLUICE_REPORT_ERROR` process warning. A code of its own: the run itself went as reported, and
 * nothing was left open; a user's observer failed, which a cleanup-error handler should not see.
 */
export function warnReportError(error: unknown, where: string): void {
  emitSluiceWarning('SLUICE_REPORT_ERROR', `${where} threw`, error);
}

/**
 * Reports an error raised while closing something a stage owns (an input it returns, a lane, a
 * pipeline it runs) that cannot be thrown, because another error must win (protocol 5.4). Given
 * the signal of the run the stage belongs to (`ctx.signal`), the error reaches that run's
 * `onCleanupError` and `report.cleanupErrors`; with any other signal, or none, it is emitted as a
 * `SLUICE_CLEANUP_ERROR` process warning. Either way it is never lost.
 *
 * @example
 * ```ts
 * await input.return?.().catch((error) => reportCleanupError(signal, error, 'the input of myStage'));
 * ```
 */
export function reportCleanupError(signal: AbortSignal | undefined, error: unknown, where: string): void {
  if (typeof where !== 'string') {
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_ARGUMENT',
      `reportCleanupError(signal, error, where): where must be a string, got ${describeValue(where)}`,
    );
  }
  const reporter = cleanupReporterOf(signal);
  if (reporter) reporter(error, where);
  else warnCleanupError(error, where);
}
