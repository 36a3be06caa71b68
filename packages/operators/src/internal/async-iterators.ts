import { SluiceTypeError } from '@sluice/core';
import { describeValue, DONE, reportCleanupError } from '@sluice/core/kit';
/** Iterator helpers shared by the concurrent operators. */

function brokenIterator(operator: string, what: string, got: unknown): SluiceTypeError {
  return new SluiceTypeError(
    'ERR_SLUICE_INVALID_ITERATOR',
    `${operator}: ${what} must be an object, got ${describeValue(got)} (a broken async iterator)`,
  );
}

/**
 * The async iterator of an async or sync iterable (sync values are awaited like `for await` does).
 * Throws a coded TypeError for one that breaks the protocol, where `for await` would throw.
 */
export function asyncIteratorOf<T>(input: AsyncIterable<T> | Iterable<T>, operator: string): AsyncIterator<T> {
  if (typeof (input as AsyncIterable<T>)[Symbol.asyncIterator] === 'function') {
    const it = (input as AsyncIterable<T>)[Symbol.asyncIterator]();
    if (typeof (it as AsyncIterator<T> | null)?.next !== 'function') {
      throw new SluiceTypeError(
        'ERR_SLUICE_INVALID_ITERATOR',
        `${operator}: [Symbol.asyncIterator]() must return an iterator with a next() method, got ${describeValue(it)}`,
      );
    }
    return it;
  }
  const it = (input as Iterable<T>)[Symbol.iterator]();
  if (typeof (it as Iterator<T> | null)?.next !== 'function') {
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_ITERATOR',
      `${operator}: [Symbol.iterator]() must return an iterator with a next() method, got ${describeValue(it)}`,
    );
  }
  return {
    async next() {
      const r = it.next();
      if (r === null || typeof r !== 'object') throw brokenIterator(operator, 'the result of next()', r);
      return r.done ? r : { done: false, value: await r.value };
    },
    async return() {
      it.return?.();
      return DONE;
    },
  };
}

/** True for an object that can be merged or teed: an async or a sync iterable. */
export function isIterableInput(value: unknown): value is AsyncIterable<unknown> | Iterable<unknown> {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  const o = value as Record<symbol, unknown>;
  return typeof o[Symbol.asyncIterator] === 'function' || typeof o[Symbol.iterator] === 'function';
}

/**
 * Returns every iterator (concurrently, each once: the caller passes only those still open).
 * When the operator is leaving normally (`failing` false), the first close error is thrown, so
 * the runner reports it as a cleanup error. When it is leaving with an error, that error must win
 * and keep its identity. Every close error not thrown goes to `reportCleanupError`: the hook and
 * report of the run `signal` belongs to, or a process warning. Never lost, never in place of the
 * first error. A close error that is `signal.reason` of an aborted `signal` is the cancellation
 * echoing back and is ignored.
 */
export async function closeIterators(
  iterators: readonly AsyncIterator<unknown>[],
  failing: boolean,
  operator: string,
  signal?: AbortSignal,
): Promise<void> {
  const settled = await Promise.allSettled(iterators.map(async (it) => it.return?.()));
  // A pipeline run under the same signal rejects its return() with the abort reason: that is the
  // cancellation itself, not a cleanup failure.
  const cancelled = (error: unknown) => signal?.aborted === true && error === signal.reason;
  const errors = settled.flatMap((s) => (s.status === 'rejected' && !cancelled(s.reason) ? [s.reason as unknown] : []));
  if (errors.length === 0) return;
  for (const error of failing ? errors : errors.slice(1)) reportCleanupError(signal, error, `an input of ${operator}`);
  if (!failing) throw errors[0];
}
