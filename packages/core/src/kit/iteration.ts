/** The one iterator result that ends an iteration; frozen, so every iterator can share it. */
export const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * True for a promise or any object with a callable `then` (what `await` would adopt). Used on the
 * hot path of every callback result, so a value that throws on reading `then` (a revoked Proxy)
 * throws here, as it would under `await`.
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
