import { defineSyncStage, validateInteger, type FusableStage } from '@sluice/core/kit';

/**
 * Skips the first `n` items and passes on the rest.
 *
 * Contract:
 * - Order is kept; to produce its first output it pulls `n + 1` items (the dropped ones and the
 *   first kept one), never more.
 * - Stateful per run (it counts); fused with adjacent synchronous operators.
 * - Errors from upstream pass through unchanged; cancellation stops it like any stage.
 * - `n` must be an integer >= 0 or `Infinity` (drops everything): anything else throws when `drop` is called.
 *
 * @example
 * ```ts doctest
 * await from([1, 2, 3, 4, 5]).pipe(drop(2)).toArray(); // => [3, 4, 5]
 * ```
 */
export function drop<T>(n: number): FusableStage<T, T> {
  const count = validateInteger(n, 'drop(n)', 0, Infinity);
  return defineSyncStage<T, T>('drop', () => {
    let dropped = 0;
    return {
      push(batch, out) {
        let i = 0;
        if (dropped < count) {
          i = Math.min(count - dropped, batch.length);
          dropped += i;
        }
        for (; i < batch.length; i++) out.push(batch[i] as T);
        return true;
      },
    };
  });
}
