import { deferred, type Deferred } from './deferred.js';

/** What a tracked source does at a given step (0-based index of the `next()` call). */
export type Step<T> =
  | { readonly yield: T }
  | { readonly throw: unknown }
  /** Never settles unless `release` is called; ignores the signal, like a stuck driver call. */
  | { readonly hang: true }
  | { readonly end: true };

/** Options of `trackedSource`: its items, or a script of steps, and the faults to inject. */
export interface TrackedSourceOptions<T> {
  /** Items to yield in order (ignored when `script` is given). */
  readonly items?: Iterable<T>;
  /** A step per `next()` call; after the script runs out the source ends. */
  readonly script?: readonly Step<T>[];
  /** Throw this error at the `next()` with this index. */
  readonly throwAt?: { readonly index: number; readonly error: unknown };
  /** Hang (never settle until released) at the `next()` with this index. */
  readonly hangAt?: number;
  /** Makes `return()` throw this error (an error during cleanup). */
  readonly closeError?: unknown;
  /** Makes the cleanup asynchronous: `return()` settles only when this promise does. */
  readonly closeDelay?: Promise<unknown>;
}

/** Counters of a tracked source: every open, pull and close is recorded. */
export interface TrackedStats {
  /** Iterators created (each `[Symbol.asyncIterator]()` call opens one). */
  opens: number;
  /** Iterators closed: by reaching the end, by `return()`, or by throwing. Never more than opens. */
  closes: number;
  /** Items produced. */
  produced: number;
  nexts: number;
  returns: number;
  throws: number;
  /** Every call in order: 'next', 'return', 'throw', 'close'. */
  readonly log: string[];
}

/**
 * A scripted async iterable that records every `next`/`return`/`throw`, counts opens and closes,
 * and can throw or hang at a given step. Its `return()` does not wait for a hanging `next()`:
 * tests can observe that the runner closed it while a pull was pending.
 */
export class TrackedSource<T> implements AsyncIterable<T> {
  readonly stats: TrackedStats = { opens: 0, closes: 0, produced: 0, nexts: 0, returns: 0, throws: 0, log: [] };
  /** Resolves when the source starts hanging. */
  readonly hanging: Deferred<void> = deferred();
  /** Resolves when the source is closed for the first time. */
  readonly closed: Deferred<void> = deferred();
  private readonly steps: Step<T>[];
  private releaseHang: Deferred<void> | undefined;

  constructor(private readonly options: TrackedSourceOptions<T> = {}) {
    this.steps = options.script ? [...options.script] : [...(options.items ?? [])].map((value) => ({ yield: value }));
    if (options.throwAt) this.steps.splice(options.throwAt.index, 0, { throw: options.throwAt.error });
    if (options.hangAt !== undefined) this.steps.splice(options.hangAt, 0, { hang: true });
  }

  /** Unblocks a hanging step: the source then ends (a late wake-up after teardown). */
  release(): void {
    this.releaseHang?.resolve();
  }

  /** True while an iterator is open and not closed. */
  get open(): boolean {
    return this.stats.opens > this.stats.closes;
  }

  /** Opens a new iterator over the items or script, counted in `stats`. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    const stats = this.stats;
    stats.opens++;
    let index = 0;
    let done = false;
    const close = () => {
      if (done) return;
      done = true;
      stats.closes++;
      stats.log.push('close');
      this.closed.resolve();
    };
    return {
      next: async () => {
        stats.nexts++;
        stats.log.push('next');
        if (done) return { done: true, value: undefined };
        const step = this.steps[index++];
        if (!step || 'end' in step) {
          close();
          return { done: true, value: undefined };
        }
        if ('throw' in step) {
          close();
          throw step.throw;
        }
        if ('hang' in step) {
          this.releaseHang = deferred();
          this.hanging.resolve();
          await this.releaseHang.promise;
          close();
          return { done: true, value: undefined };
        }
        stats.produced++;
        return { done: false, value: step.yield };
      },
      return: async () => {
        stats.returns++;
        stats.log.push('return');
        if (this.options.closeDelay) await this.options.closeDelay;
        const wasDone = done;
        close();
        if (!wasDone && this.options.closeError !== undefined) throw this.options.closeError;
        return { done: true, value: undefined };
      },
      throw: async (error: unknown) => {
        stats.throws++;
        stats.log.push('throw');
        close();
        throw error;
      },
    };
  }
}

/** Creates a `TrackedSource`. */
export function trackedSource<T>(options: TrackedSourceOptions<T> | Iterable<T> = {}): TrackedSource<T> {
  const isIterable = typeof (options as Iterable<T>)[Symbol.iterator] === 'function';
  return new TrackedSource<T>(isIterable ? { items: options as Iterable<T> } : (options as TrackedSourceOptions<T>));
}

/** Counters of a tracked resource for `fromResource`. */
export interface ResourceStats {
  opens: number;
  closes: number;
  reads: number;
  /** Rows handed out. */
  produced: number;
}

/**
 * Options for `fromResource` backed by an in-memory "cursor" over `rows`, read `batchSize` at a
 * time, recording opens, reads and closes. `close` throws if called twice, so exactly-once holds.
 */
export function trackedResource<T>(
  rows: readonly T[],
  { batchSize = 10, readGate }: { batchSize?: number; readGate?: (read: number) => Promise<unknown> | undefined } = {},
) {
  const stats: ResourceStats = { opens: 0, closes: 0, reads: 0, produced: 0 };
  const released = deferred<void>();
  const options = {
    name: 'tracked-resource',
    /** Counts an open; the resource is a cursor position. */
    open: () => {
      stats.opens++;
      return { position: 0 };
    },
    /** The next `batchSize` rows, after `readGate` when given. */
    read: async (cursor: { position: number }) => {
      const n = stats.reads++;
      await readGate?.(n);
      const batch = rows.slice(cursor.position, cursor.position + batchSize);
      cursor.position += batch.length;
      stats.produced += batch.length;
      return batch;
    },
    /** Counts a close; a second close throws. */
    close: () => {
      stats.closes++;
      if (stats.closes > 1) throw new Error('tracked resource closed twice');
      released.resolve();
    },
  };
  return { options, stats, released };
}
