/**
 * Errors thrown by sluice itself. Each has a stable `name` and `code`; the predicates below
 * check those, never `instanceof`, so they work across package copies and realms.
 */

import type { SluiceErrorCode } from './codes.js';
import { describeValue, nameOf } from './kit/describe.js';

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
    throw new SluiceTypeError('ERR_SLUICE_INVALID_ARGUMENT', `timeoutReason(ms): ms must be a number, got ${describeValue(ms)}`);
  }
  if (!(ms >= 0)) throw new SluiceRangeError('ERR_SLUICE_OPTION_OUT_OF_RANGE', `timeoutReason(ms): ms must be >= 0, got ${ms}`);
  return new DOMException(`The run did not finish within its timeout of ${ms} ms`, 'TimeoutError');
}

/** True for an `AbortError` (a `DOMException` or Node's `AbortError`), checked by name. */
export function isAbortError(error: unknown): boolean {
  return nameOf(error) === 'AbortError';
}

/** True for a `TimeoutError` (a run's `timeout`, or `AbortSignal.timeout()`), checked by name. */
export function isTimeoutError(error: unknown): boolean {
  return nameOf(error) === 'TimeoutError';
}
