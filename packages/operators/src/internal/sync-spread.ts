import { SluiceTypeError } from '@sluice/core';

function describeResult(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return `an instance of ${(value as object).constructor?.name ?? 'Object'}`;
  return `${typeof value} ${String(value)}`;
}

/** Reads an async iterable into `out`, stopping (and closing it) at the next item once `signal` aborts. */
async function drain<T>(iterable: AsyncIterable<T>, out: T[], signal: AbortSignal): Promise<void> {
  for await (const item of iterable) {
    // Without this check a cancelled run would go on reading an unbounded inner sequence to its end.
    if (signal.aborted) throw signal.reason;
    out.push(item);
  }
}

/**
 * Appends the items of `result` to `out`: synchronously for an array or a sync iterable, through
 * the returned promise for an async iterable. Strings and other primitives are rejected, like
 * `Iterator.prototype.flatMap` does, because spreading a string into characters is almost never meant.
 */
export function spreadInto<T>(result: unknown, out: T[], signal: AbortSignal, where: string): Promise<void> | undefined {
  if (Array.isArray(result)) {
    for (let i = 0; i < result.length; i++) out.push(result[i] as T);
    return undefined;
  }
  if (result !== null && (typeof result === 'object' || typeof result === 'function')) {
    const o = result as Record<symbol, unknown>;
    if (typeof o[Symbol.asyncIterator] === 'function') return drain(result as AsyncIterable<T>, out, signal);
    if (typeof o[Symbol.iterator] === 'function') {
      for (const item of result as Iterable<T>) out.push(item);
      return undefined;
    }
  }
  throw new SluiceTypeError(
    'ERR_SLUICE_INVALID_ARGUMENT',
    `${where} must return an array, an iterable or an async iterable (or a promise of one), got ${describeResult(result)}`,
  );
}
