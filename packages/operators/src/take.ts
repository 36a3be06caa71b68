import { defineSyncStage, validateInteger, type FusableStage } from '@sluice/core/kit';

/**
 * Passes on the first `n` items, then stops the input.
 *
 * Contract:
 * - Order is kept; no read-ahead: it asks upstream for at most the items it still needs, so a
 *   source that can cut batches (an array, a sync iterable) is pulled exactly `n` times in total,
 *   through any fused one-to-one operators in front of it (`map`, `tap`, `scan`).
 * - Upstream is released the moment the `n`-th item arrives, before that item reaches the
 *   consumer; `take(0)` never opens the source.
 * - Stateful per run (it counts); fused with adjacent synchronous operators.
 * - `n` must be an integer >= 0 or `Infinity`: anything else throws when `take` is called.
 *
 * @example
 * ```ts doctest
 * await from([1, 2, 3, 4, 5]).pipe(take(2)).toArray(); // => [1, 2]
 * ```
 */
export function take<T>(n: number): FusableStage<T, T> {
  const count = validateInteger(n, 'take(n)', 0, Infinity);
  return defineSyncStage<T, T>(
    'take',
    () => {
      let taken = 0;
      return {
        push(batch, out) {
          const end = Math.min(count - taken, batch.length);
          for (let i = 0; i < end; i++) out.push(batch[i] as T);
          taken += end;
          return taken < count;
        },
        want: () => count - taken,
      };
    },
    // Every item it accepts yields exactly one output, so a downstream bound passes through it.
    { oneToOne: true },
  );
}
