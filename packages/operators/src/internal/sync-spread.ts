import { SluiceTypeError } from '@sluice/core';
import { describeValue } from '@sluice/core/kit';

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
    `${where} must return an array, an iterable or an async iterable (or a promise of one), got ${describeValue(result)}`,
  );
}
