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
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_ARGUMENT',
      `timeoutReason(ms): ms must be a number, got ${describeValue(ms)}`,
    );
  }
  if (!(ms >= 0))
    throw new SluiceRangeError('ERR_SLUICE_OPTION_OUT_OF_RANGE', `timeoutReason(ms): ms must be >= 0, got ${ms}`);
  return new DOMException(`The run did not finish within its timeout of ${ms} ms`, 'TimeoutError');
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
