import { validateBoolean, validateKeys, validateObject } from '../validate.js';

/** Validates an options object and its keys (a typo is an error, not ignored); returns it as a record. */
export function optionsObject(options: unknown, allowed: readonly string[], name: string): Record<string, unknown> {
  validateObject(options, name);
  validateKeys(options, allowed, name);
  return options;
}

/** An optional boolean option: `fallback` when undefined, else it must be a boolean. */
export function optionalBoolean(value: unknown, name: string, fallback: boolean): boolean {
  return value === undefined ? fallback : validateBoolean(value, name);
}
