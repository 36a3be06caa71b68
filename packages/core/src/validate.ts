import { SluiceRangeError, SluiceTypeError, describe } from './errors.js';

/** Validators shared by core, operators and adapters: they throw at call time with a code. */

export function validateFunction(value: unknown, name: string): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') {
    throw new SluiceTypeError('ERR_SLUICE_INVALID_ARGUMENT', `${name} must be a function, got ${describe(value)}`);
  }
}

/** Asserts a plain object (not null, not an array). */
export function validateObject(value: unknown, name: string): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SluiceTypeError('ERR_SLUICE_INVALID_OPTION', `${name} must be an object, got ${describe(value)}`);
  }
}

/** An integer in [min, max]; `Infinity` is accepted only when `max` is `Infinity`. */
export function validateInteger(value: unknown, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new SluiceTypeError('ERR_SLUICE_INVALID_OPTION', `${name} must be a number, got ${describe(value)}`);
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
    throw new SluiceTypeError('ERR_SLUICE_INVALID_OPTION', `${name} must be a number, got ${describe(value)}`);
  }
  if (value < min) {
    throw new SluiceRangeError('ERR_SLUICE_OPTION_OUT_OF_RANGE', `${name} must be >= ${min}, got ${value}`);
  }
  return value;
}

/** Returns `value` when it is a boolean. */
export function validateBoolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') {
    throw new SluiceTypeError('ERR_SLUICE_INVALID_OPTION', `${name} must be a boolean, got ${describe(value)}`);
  }
  return value;
}

/** Returns `value` when it is an `AbortSignal`. */
export function validateSignal(value: unknown, name: string): AbortSignal {
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof (value as AbortSignal).aborted !== 'boolean' ||
    typeof (value as AbortSignal).addEventListener !== 'function'
  ) {
    throw new SluiceTypeError('ERR_SLUICE_INVALID_OPTION', `${name} must be an AbortSignal, got ${describe(value)}`);
  }
  return value as AbortSignal;
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

/** The longest delay setTimeout honours; a longer one silently becomes 1 ms. */
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
