/** Test helpers shared by the operator tests: sources that count exactly what was pulled from them. */

export interface CountingSource<T> extends Iterable<T> {
  /** Items handed out by the generator (a generator only runs up to the `yield` a `next()` asked for). */
  readonly pulled: number;
  /** Times the generator was closed: by its end, a `return()` or a throw. */
  readonly closes: number;
}

/** A sync iterable (a generator per iteration) over `items` that counts pulls and closes. */
export function countingSource<T>(items: Iterable<T>): CountingSource<T> {
  let pulled = 0;
  let closes = 0;
  return {
    get pulled() {
      return pulled;
    },
    get closes() {
      return closes;
    },
    *[Symbol.iterator]() {
      try {
        for (const item of items) {
          pulled++;
          yield item;
        }
      } finally {
        closes++;
      }
    },
  };
}

/** The integers 0, 1, 2, … (endless when `n` is omitted). */
export function* naturals(n = Infinity): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}
