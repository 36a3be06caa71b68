import { defineInlineStage, validateFunction, type FusableStage } from '@sluice/core/kit';
import type { ItemContext } from './internal/each-item.js';

/** Decides whether `filter` keeps an item: true (or a promise of true) keeps it. */
export type Predicate<T> = (item: T, ctx: ItemContext) => boolean | PromiseLike<boolean>;

/**
 * Keeps the items for which `predicate` returns true (or a promise of true).
 *
 * Contract:
 * - Order is kept; no read-ahead; stateless; fused with adjacent synchronous operators.
 * - A type-guard predicate narrows the output type.
 * - An error thrown by `predicate` fails the run unchanged.
 *
 * @example
 * ```ts doctest
 * await from([1, 2, 3, 4]).pipe(filter((n) => n % 2 === 0)).toArray(); // => [2, 4]
 * ```
 */
export function filter<T, S extends T>(predicate: (item: T, ctx: ItemContext) => item is S): FusableStage<T, S>;
export function filter<T>(predicate: Predicate<T>): FusableStage<T, T>;
export function filter<T>(predicate: Predicate<T>): FusableStage<T, T> {
  validateFunction(predicate, 'filter(predicate)');
  return defineInlineStage<T, T>('filter', 'filter', predicate);
}
