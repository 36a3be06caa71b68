/**
 * Errors thrown by sluice itself. Each has a stable `name` and `code`; the predicates below
 * check those, never `instanceof`, so they work across package copies and realms.
 */

/** Codes of the errors sluice raises for bad input. */
export type SluiceErrorCode =
  | 'ERR_SLUICE_INVALID_SOURCE'
  | 'ERR_SLUICE_INVALID_ITERATOR'
  | 'ERR_SLUICE_INVALID_STAGE'
  | 'ERR_SLUICE_INVALID_SINK'
  | 'ERR_SLUICE_INVALID_OPTION'
  | 'ERR_SLUICE_OPTION_OUT_OF_RANGE'
  | 'ERR_SLUICE_INVALID_ARGUMENT'
  | 'ERR_SLUICE_NO_ACK_POINT'
  | 'ERR_SLUICE_ACK_ORDER';

/** A `TypeError` with a stable `code`, thrown at call time for an argument of the wrong type. */
export class SluiceTypeError extends TypeError {
  readonly code: SluiceErrorCode;
  constructor(code: SluiceErrorCode, message: string) {
    super(message);
    this.name = 'TypeError';
    this.code = code;
  }
}

/** A `RangeError` with a stable `code`, thrown at call time for a value outside its range. */
export class SluiceRangeError extends RangeError {
  readonly code: SluiceErrorCode;
  constructor(code: SluiceErrorCode, message: string) {
    super(message);
    this.name = 'RangeError';
    this.code = code;
  }
}

/**
 * The reason a run is aborted with when its `timeout` elapses. Shaped like the reason of
 * `AbortSignal.timeout()`: a `DOMException` named `TimeoutError`.
 */
export function timeoutReason(ms: number): DOMException {
  if (typeof ms !== 'number') {
    throw new SluiceTypeError('ERR_SLUICE_INVALID_ARGUMENT', `timeoutReason(ms): ms must be a number, got ${describe(ms)}`);
  }
  if (!(ms >= 0)) throw new SluiceRangeError('ERR_SLUICE_OPTION_OUT_OF_RANGE', `timeoutReason(ms): ms must be >= 0, got ${ms}`);
  return new DOMException(`The run did not finish within its timeout of ${ms} ms`, 'TimeoutError');
}

function nameOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
}

/**
 * True for an `AbortError` (a `DOMException` or Node's `AbortError`), checked by name.
 *
 * Contract: checks `error.name` only, never the class, so it holds across realms and Node
 * versions; any value is accepted (a non-object is not an abort error).
 *
 * @example
 * ```ts doctest
 * isAbortError(new DOMException('stop', 'AbortError')); // => true
 * isAbortError(new Error('stop')); // => false
 * ```
 */
export function isAbortError(error: unknown): boolean {
  return nameOf(error) === 'AbortError';
}

/**
 * True for a `TimeoutError` (a run's `timeout`, or `AbortSignal.timeout()`), checked by name.
 *
 * Contract: checks `error.name` only, like `isAbortError`.
 *
 * @example
 * ```ts doctest
 * const never = async function* () { await new Promise(() => {}); };
 * const error = await from(never).run({ timeout: 1, cleanupTimeout: 0 }).catch((e: unknown) => e);
 * isTimeoutError(error); // => true
 * ```
 */
export function isTimeoutError(error: unknown): boolean {
  return nameOf(error) === 'TimeoutError';
}

/** Describes a value for an error message without dumping large objects. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') {
    const ctor = (value as { constructor?: { name?: string } }).constructor?.name;
    return ctor ? `an instance of ${ctor}` : 'an object';
  }
  return `${typeof value} ${String(value)}`;
}

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

/** Emits a cleanup error nobody else will hear of as a `SLUICE_CLEANUP_ERROR` process warning. */
export function warnCleanupError(error: unknown, where: string): void {
  const message = error instanceof Error ? error.message : String(error);
  process.emitWarning(`sluice: error while closing ${where}: ${message}`, {
    code: 'SLUICE_CLEANUP_ERROR',
    detail: error instanceof Error && error.stack ? error.stack : undefined,
  } as never);
}

/**
 * Reports an error raised while closing something a stage owns (an input it returns, a lane, a
 * pipeline it runs) that cannot be thrown, because another error must win (protocol 5.4). Given
 * the signal of the run the stage belongs to (`ctx.signal`), the error reaches that run's
 * `onCleanupError` and `report.cleanupErrors`; with any other signal, or none, it is emitted as a
 * `SLUICE_CLEANUP_ERROR` process warning. Either way it is never lost.
 */
export function reportCleanupError(signal: AbortSignal | undefined, error: unknown, where: string): void {
  if (typeof where !== 'string') {
    throw new SluiceTypeError('ERR_SLUICE_INVALID_ARGUMENT', `reportCleanupError(signal, error, where): where must be a string, got ${describe(where)}`);
  }
  const reporter = cleanupReporterOf(signal);
  if (reporter) reporter(error, where);
  else warnCleanupError(error, where);
}
