import { defineInlineStage, validateFunction, type FusableStage } from '@sluice/core/kit';
import type { ItemContext } from './internal/each-item.js';

/** `tap`'s function: called for every item for its side effect; its result is ignored (a promise is awaited). */
export type TapFn<T> = (item: T, ctx: ItemContext) => unknown;

/**
 * Calls `fn` for every item for its side effect and passes the item on unchanged.
 *
 * Contract:
 * - Order is kept; one output per input; no read-ahead. A promise returned by `fn` is awaited
 *   before the item is passed on and before `fn` sees the next item; any other return value is ignored.
 * - Stateless; fused with adjacent synchronous operators (a synchronous `fn` costs no promise per item).
 * - An error thrown by `fn` (or a rejection of its promise) fails the run unchanged; the item is not passed on.
 * - `fn` receives `{ signal, index }`; the signal aborts when the run is cancelled or stopped.
 *
 * @example
 * ```ts doctest
 * const seen: number[] = [];
 * await from([1, 2, 3]).pipe(tap((n) => { seen.push(n); })).toArray(); // => [1, 2, 3]
 * seen; // => [1, 2, 3]
 * ```
 */
export function tap<T>(fn: TapFn<T>): FusableStage<T, T> {
  validateFunction(fn, 'tap(fn)');
  return defineInlineStage<T, T>('tap', 'tap', fn);
}
