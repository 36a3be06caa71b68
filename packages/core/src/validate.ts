import { SluiceRangeError, SluiceTypeError } from './errors.js';
import { describeValue, hasShape, isUnreadable } from './kit/describe.js';

/**
 * Validators shared by core, operators and adapters: they throw at call time with a code, and
 * never anything else (a revoked Proxy gets the same coded error as any other wrong value).
 */

export function validateFunction(value: unknown, name: string): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') {
    throw new SluiceTypeError('ERR_SLUICE_INVALID_ARGUMENT', `${name} must be a function, got ${describeValue(value)}`);
  }
}

/** Asserts a plain object (not null, not an array). */
export function validateObject(value: unknown, name: string): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || isUnreadable(value) || Array.isArray(value)) {
    throw new SluiceTypeError('ERR_SLUICE_INVALID_OPTION', `${name} must be an object, got ${describeValue(value)}`);
  }
}

/** An integer in [min, max]; `Infinity` is accepted only when `max` is `Infinity`. */
export function validateInteger(value: unknown, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new SluiceTypeError('ERR_SLUICE_INVALID_OPTION', `${name} must be a number, got ${describeValue(value)}`);
  }
  const integral = Number.isInteger(value) || (value === Infinity && max === Infinity);
  if (!integral || value < min || value > max) {
    const range = max === Infinity || max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`;
    throw new SluiceRangeError('ERR_SLUICE_OPTION_OUT_OF_RANGE', `${name} must be an integer ${range}, got ${value}`);
  }
  return value;
}

/** A finite or infinite number >= min (durations in milliseconds). */
export function validateNumber(value: unknown, name: string, min = 0): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new SluiceTypeError('ERR_SLUICE_INVALID_OPTION', `${name} must be a number, got ${describeValue(value)}`);
  }
  if (value < min) {
    throw new SluiceRangeError('ERR_SLUICE_OPTION_OUT_OF_RANGE', `${name} must be >= ${min}, got ${value}`);
  }
  return value;
}

/** Returns `value` when it is a boolean. */
export function validateBoolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') {
    throw new SluiceTypeError('ERR_SLUICE_INVALID_OPTION', `${name} must be a boolean, got ${describeValue(value)}`);
  }
  return value;
}

/** Returns `value` when it is an `AbortSignal`. */
export function validateSignal(value: unknown, name: string): AbortSignal {
  const signal = value as AbortSignal;
  const isSignal = () =>
    typeof signal === 'object' &&
    signal !== null &&
    typeof signal.aborted === 'boolean' &&
    typeof signal.addEventListener === 'function';
  if (!hasShape(isSignal)) {
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_OPTION',
      `${name} must be an AbortSignal, got ${describeValue(value)}`,
    );
  }
  return signal;
}

/** Rejects option names the caller did not mean (a typo would otherwise be ignored silently). */
export function validateKeys(options: object, allowed: readonly string[], name: string): void {
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new SluiceTypeError(
        'ERR_SLUICE_INVALID_OPTION',
        `${name} has an unknown option ${JSON.stringify(key)}; known options: ${allowed.join(', ')}`,
      );
    }
  }
}

/** The longest delay `setTimeout` honours; a longer one silently becomes 1 ms. Every timer option is checked against it. */
export const MAX_TIMEOUT = 2 ** 31 - 1;

/** A timeout in milliseconds: 0 to 2^31-1, or Infinity for none. */
export function validateTimeout(value: unknown, name: string): number {
  const ms = validateNumber(value, name, 0);
  if (ms > MAX_TIMEOUT && ms !== Infinity) {
    throw new SluiceRangeError(
      'ERR_SLUICE_OPTION_OUT_OF_RANGE',
      `${name} must be at most ${MAX_TIMEOUT} ms (about 24.8 days) or Infinity, got ${ms}`,
    );
  }
  return ms;
}

/** A delay that will be waited in full (a backoff, an interval): 0 to 2^31-1 ms, never Infinity. */
export function validateDelay(value: unknown, name: string): number {
  const ms = validateNumber(value, name, 0);
  if (ms > MAX_TIMEOUT) {
    throw new SluiceRangeError(
      'ERR_SLUICE_OPTION_OUT_OF_RANGE',
      `${name} must be at most ${MAX_TIMEOUT} ms (about 24.8 days), got ${ms}`,
    );
  }
  return ms;
}
