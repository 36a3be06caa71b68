import { SluiceTypeError } from '@sluice/core';

function describeResult(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return `an instance of ${(value as object).constructor?.name ?? 'Object'}`;
  return `${typeof value} ${String(value)}`;
}

export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as Record<symbol, unknown>)[Symbol.asyncIterator] === 'function'
  );
}

/**
 * Appends the items of an array or a sync iterable to `out`. Strings and other primitives are
 * rejected, like `Iterator.prototype.flatMap` does, because spreading a string into characters is
 * almost never meant.
 */
export function spreadInto<T>(result: unknown, out: T[], where: string): void {
  if (Array.isArray(result)) {
    for (let i = 0; i < result.length; i++) out.push(result[i] as T);
    return;
  }
  if (result !== null && (typeof result === 'object' || typeof result === 'function')) {
    if (typeof (result as Record<symbol, unknown>)[Symbol.iterator] === 'function') {
      for (const item of result as Iterable<T>) out.push(item);
      return;
    }
  }
  throw new SluiceTypeError(
    'ERR_SLUICE_INVALID_ARGUMENT',
    `${where} must return an array, an iterable or an async iterable (or a promise of one), got ${describeResult(result)}`,
  );
}
