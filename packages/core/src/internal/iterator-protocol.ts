import { SluiceTypeError } from '../errors.js';
import { describeValue } from '../kit/describe.js';

function invalid(message: string): SluiceTypeError {
  return new SluiceTypeError('ERR_SLUICE_INVALID_ITERATOR', message);
}

/**
 * Calls `iterable[symbol]()` and checks that it returned an iterator, as `for await` and `for of`
 * do, but with a coded error that says what came back: a source whose iterator cannot even be
 * made has failed, it is not empty.
 */
export function openIterator<I extends { next: unknown }>(iterable: object, symbol: symbol, what: string): I {
  const it = (iterable as Record<symbol, () => unknown>)[symbol]!();
  if (it === null || (typeof it !== 'object' && typeof it !== 'function')) {
    throw invalid(`${what}: [${symbol.description}]() returned ${describeValue(it)}, expected an iterator object`);
  }
  if (typeof (it as { next?: unknown }).next !== 'function') {
    throw invalid(`${what}: [${symbol.description}]() returned ${describeValue(it)} without a next() method`);
  }
  return it as I;
}

/**
 * Checks one result of `next()`. Anything but an object is a broken iterator (`for await` throws
 * a TypeError too); taken as a result, `5` would be an endless stream of `undefined`. A sync
 * iterator handing back a promise is an async iterator under the wrong symbol, and would be too.
 */
export function checkResult<T>(result: unknown, what: string, sync: boolean): IteratorResult<T> {
  if (
    result !== null &&
    typeof result === 'object' &&
    !(sync && typeof (result as { then?: unknown }).then === 'function')
  ) {
    return result as IteratorResult<T>;
  }
  throw invalid(`${what}: the iterator's next() returned ${describeValue(result)}, expected an object { value, done }`);
}
