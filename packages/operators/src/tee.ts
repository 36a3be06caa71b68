import { SluiceTypeError } from '@sluice/core';
import {
  DONE,
  Notifier,
  isPipeline,
  onAbort,
  pullOnce,
  validateInteger,
  validateKeys,
  validateObject,
  validateSignal,
} from '@sluice/core/kit';
import { asyncIteratorOf, closeIterators, isIterableInput } from './internal/async-iterators.js';

/** Options of `tee`. */
export interface TeeOptions {
  /** How far (in items) the fastest active branch may run ahead of the slowest (default 16). */
  readonly bufferSize?: number;
  /** Aborting it ends every branch with `signal.reason` and returns the source. */
  readonly signal?: AbortSignal;
}

/** One consumer's view of a teed source: iterate it, or hand it to `from()`. `return()` ends the branch. */
export interface TeeBranch<T> extends AsyncIterableIterator<T> {
  /** Ends this branch: the others go on, and the source no longer waits for this one. */
  return(): Promise<IteratorResult<T, undefined>>;
}

/**
 * Splits one source into `n` branches that each see every item: returns a function that takes the
 * source and returns the branches. `const [toFile, toDb] = tee(2, { bufferSize: 64 })(from(rows))`.
 *
 * Contract:
 * - Slowest wins, bounded: the items are kept once, in one shared buffer; the fastest branch may
 *   run at most `bufferSize` items ahead of the slowest branch still active, then its pull waits.
 * - Pull-driven: the source is opened on the first pull of any branch and pulled only when a
 *   branch needs an item nobody has read yet (never two pulls at once): no read-ahead beyond that.
 * - A branch that ends early (`return()`, a `break`, its run stopped or failed) stops counting:
 *   the others never stall on it. The source is returned exactly once, when every branch has
 *   ended, unless it ended by itself.
 * - A source error reaches every branch unchanged, after the items each had not read yet.
 * - Aborting `options.signal` rejects every branch's pull with `signal.reason` and returns the
 *   source; a sluice pipeline given as the source is run with that signal. Stateful per call.
 *
 * @example
 * ```ts doctest
 * const [all, evens] = tee<number>(2, { bufferSize: 4 })(from([1, 2, 3, 4]));
 * const [a, b] = await Promise.all([from(all).toArray(), from(evens).pipe(filter((n) => n % 2 === 0)).toArray()]);
 * a; // => [1, 2, 3, 4]
 * b; // => [2, 4]
 * ```
 */
export function tee<T>(
  n: number,
  options: TeeOptions = {},
): (source: AsyncIterable<T> | Iterable<T>) => TeeBranch<T>[] {
  validateInteger(n, 'tee(n)', 1);
  validateObject(options, 'tee(n, options)');
  validateKeys(options, ['bufferSize', 'signal'], 'tee(n, options)');
  const bufferSize =
    options.bufferSize === undefined ? 16 : validateInteger(options.bufferSize, 'tee(n, options).bufferSize', 1);
  const signal = options.signal === undefined ? undefined : validateSignal(options.signal, 'tee(n, options).signal');
  return (source) => {
    if (!isIterableInput(source)) {
      throw new SluiceTypeError(
        'ERR_SLUICE_INVALID_ARGUMENT',
        'tee(n)(source): source must be an async iterable or an iterable',
      );
    }
    return new Tee<T>(source, n, bufferSize, signal).branches;
  };
}

class Tee<T> {
  readonly branches: TeeBranch<T>[];
  private readonly changed: Notifier[];
  /** Absolute position of each branch's next item; -1 once the branch ended. */
  private readonly positions: number[];
  private items: T[] = [];
  /** Absolute position of `items[0]`. */
  private base = 0;
  private it: AsyncIterator<T> | undefined;
  private pulling = false;
  private ended = false;
  private failure: { readonly error: unknown } | undefined;
  private unlink: (() => void) | undefined;

  constructor(
    private readonly source: AsyncIterable<T> | Iterable<T>,
    n: number,
    private readonly bufferSize: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.positions = Array.from({ length: n }, () => 0);
    this.changed = Array.from({ length: n }, () => new Notifier());
    this.branches = this.positions.map((_, i) => this.branch(i));
    if (signal) this.unlink = onAbort(signal, () => this.abort());
  }

  private get head(): number {
    return this.base + this.items.length;
  }

  private branch(i: number): TeeBranch<T> {
    // The protocol allows next() again before the last one settled: queue such calls, in order.
    let tail: Promise<unknown> = Promise.resolve();
    const branch: TeeBranch<T> = {
      [Symbol.asyncIterator]: () => branch,
      next: () => {
        const call = tail.then(
          () => this.next(i),
          () => this.next(i),
        );
        tail = call;
        return call;
      },
      return: async () => {
        await this.end(i);
        return DONE;
      },
    };
    return branch;
  }

  private async next(i: number): Promise<IteratorResult<T>> {
    for (;;) {
      const position = this.positions[i]!;
      if (position < 0) return DONE;
      if (this.signal?.aborted) throw this.signal.reason;
      if (position < this.head) {
        this.positions[i] = position + 1;
        const value = this.items[position - this.base] as T;
        this.trim();
        return { done: false, value };
      }
      if (this.failure) throw this.failure.error;
      if (this.ended) {
        await this.end(i);
        return DONE;
      }
      if (!this.pulling && this.head - this.slowest() < this.bufferSize) this.pull();
      await this.changed[i]!.wait(this.signal);
    }
  }

  private slowest(): number {
    let min = Infinity;
    for (const p of this.positions) if (p >= 0 && p < min) min = p;
    return min;
  }

  /** Drops the items every active branch has read; wakes a branch waiting for room. */
  private trim(): void {
    const drop = Math.min(this.slowest(), this.head) - this.base;
    if (drop <= 0) return;
    this.items = this.items.slice(drop);
    this.base += drop;
    this.notifyAll();
  }

  private notifyAll(): void {
    for (const notifier of this.changed) notifier.notify();
  }

  private pull(): void {
    this.pulling = true;
    let next: Promise<IteratorResult<T>>;
    try {
      this.it ??= this.open();
      next = pullOnce(this.it, 'tee');
    } catch (error) {
      next = Promise.reject(error);
    }
    next.then(
      (r) => {
        this.pulling = false;
        if (r.done) this.finish();
        else if (this.slowest() !== Infinity) this.items.push(r.value);
        this.notifyAll();
      },
      (error: unknown) => {
        this.pulling = false;
        this.failure = { error };
        this.finish();
        this.notifyAll();
      },
    );
  }

  private open(): AsyncIterator<T> {
    const source: unknown = this.source;
    if (isPipeline(source) && this.signal) return source.iterate({ signal: this.signal }) as AsyncIterator<T>;
    return asyncIteratorOf(this.source, 'tee');
  }

  /** The source ended or threw by itself: nothing to return. */
  private finish(): void {
    this.ended = true;
    this.unlink?.();
    this.unlink = undefined;
  }

  /** A branch ended; the last one to end returns the source (once, unless it ended by itself). */
  private async end(i: number): Promise<void> {
    if (this.positions[i]! < 0) return;
    this.positions[i] = -1;
    if (this.slowest() !== Infinity) {
      this.trim();
      this.notifyAll();
      return;
    }
    this.items = [];
    if (this.ended) return;
    this.finish();
    if (this.it) await closeIterators([this.it], false, 'tee', this.signal);
  }

  /** Waiting pulls reject by themselves (they race the signal); the source is returned now. */
  private abort(): void {
    if (this.ended) return;
    this.finish();
    this.items = [];
    // With `failing` set, close errors become warnings: this promise never rejects.
    if (this.it) void closeIterators([this.it], true, 'tee', this.signal);
  }
}
