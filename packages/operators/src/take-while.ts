import { defineSyncStage, validateFunction, type FusableStage } from '@sluice/core/kit';
import type { Predicate } from './filter.js';
import { eachItem, type ItemContext } from './internal/each-item.js';

/**
 * Passes items on while `predicate` holds, and stops the input at the first item for which it does not.
 *
 * Contract:
 * - Order is kept; the failing item is the last one it pulls (from a source that cuts batches,
 *   the rest of that batch is dropped); it is not passed on, and upstream is released as soon as it is seen.
 * - `predicate` may return a promise, awaited before the next item is tested.
 * - A type-guard predicate narrows the output type.
 * - Stateful per run (it stops once); fused with adjacent synchronous operators.
 * - An error thrown by `predicate` fails the run unchanged.
 *
 * @example
 * ```ts doctest
 * await from([1, 2, 5, 1]).pipe(takeWhile((n) => n < 3)).toArray(); // => [1, 2]
 * ```
 */
export function takeWhile<T, S extends T>(predicate: (item: T, ctx: ItemContext) => item is S): FusableStage<T, S>;
export function takeWhile<T>(predicate: Predicate<T>): FusableStage<T, T>;
export function takeWhile<T>(predicate: Predicate<T>): FusableStage<T, T> {
  validateFunction(predicate, 'takeWhile(predicate)');
  return defineSyncStage<T, T>(
    'takeWhile',
    (ctx) =>
      eachItem<T, boolean, T>(ctx, predicate, (item, keep, out) => {
        if (!keep) return false;
        out.push(item);
        return true;
      }),
    // Each accepted item yields one output and the first rejected one ends it: a downstream bound passes through.
    { oneToOne: true },
  );
}
