/** A promise with its settle functions outside: the way tests wait for a moment without sleeping. */
export interface Deferred<T> {
  /** Settles when `resolve` or `reject` is called. */
  readonly promise: Promise<T>;
  /** Resolves `promise`. */
  resolve(value: T | PromiseLike<T>): void;
  /** Rejects `promise`. */
  reject(reason?: unknown): void;
  /** True once resolve or reject was called. */
  readonly settled: boolean;
}

/** Creates a `Deferred` (Node 20 has no `Promise.withResolvers`). */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T | PromiseLike<T>) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  let settled = false;
  return {
    promise,
    resolve(value) {
      settled = true;
      resolve(value);
    },
    reject(reason) {
      settled = true;
      reject(reason);
    },
    get settled() {
      return settled;
    },
  };
}

/** Resolves after every microtask queued so far and the next turn of the event loop. */
export function flushMacrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
