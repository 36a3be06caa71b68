import { SluiceTypeError } from '@sluice/core';
import { describeValue, hasShape, validateInteger, validateKeys, validateObject } from '@sluice/core/kit';

/** Rows read per pull when the caller does not say: one round trip's worth, a short synchronous block. */
export const DEFAULT_BATCH_SIZE = 500;

/** The SQL text of a query source: a non-empty string. */
export function validateSql(sql: unknown, where: string): string {
  if (typeof sql !== 'string' || sql.trim() === '') {
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_ARGUMENT',
      `${where} must be a non-empty SQL string, got ${describeValue(sql)}`,
    );
  }
  return sql;
}

/** Positional parameters (an array) or, where the driver binds them by name, an object of named ones. */
export function validateParams(params: unknown, where: string, named: boolean): void {
  if (params === undefined || Array.isArray(params)) return;
  if (named && typeof params === 'object' && params !== null) return;
  const expected = named ? 'an array of positional parameters or an object of named ones' : 'an array of parameters';
  throw new SluiceTypeError(
    'ERR_SLUICE_INVALID_ARGUMENT',
    `${where} must be ${expected}, got ${describeValue(params)}`,
  );
}

/** A driver object must have the methods sluice calls on it. */
export function validateDriver(value: unknown, methods: readonly string[], what: string, where: string): void {
  const ok = hasShape(
    () =>
      typeof value === 'object' &&
      value !== null &&
      methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function'),
  );
  if (!ok) {
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_ARGUMENT',
      `${where} must be ${what} (with ${methods.map((m) => `${m}()`).join(' and ')}), got ${describeValue(value)}`,
    );
  }
}

/** Checks a query source's options object; returns its batch size and report name. */
export function validateQueryOptions(
  options: unknown,
  allowed: readonly string[],
  where: string,
  defaultName: string,
): { batchSize: number; name: string } {
  validateObject(options, where);
  validateKeys(options, allowed, where);
  const { batchSize, name } = options as { batchSize?: unknown; name?: unknown };
  if (name !== undefined && typeof name !== 'string') {
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_OPTION',
      `${where}.name must be a string, got ${describeValue(name)}`,
    );
  }
  return {
    batchSize:
      batchSize === undefined ? DEFAULT_BATCH_SIZE : validateInteger(batchSize, `${where}.batchSize`, 1, 1_000_000),
    name: name ?? defaultName,
  };
}
