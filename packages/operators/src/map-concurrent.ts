import type { Stage } from '@sluice/core';
import {
  Notifier,
  onAbort,
  pullOnce,
  validateBoolean,
  validateFunction,
  validateInteger,
  validateKeys,
  validateObject,
} from '@sluice/core/kit';
import { asyncIteratorOf, closeIterators } from './internal/async-iterators.js';
import type { MapFn } from './map.js';

/** Options of `mapConcurrent` (and of `map` with a concurrency above 1). */
export interface MapConcurrentOptions {
  /** The most calls of `fn` running at once. */
  readonly concurrency: number;
  /**
   * The most items held at once, in flight or finished and waiting to be handed on (default
   * `2 * concurrency`, at least `concurrency`). Above `concurrency`, a slow item does not stop the
   * calls behind it: they run on while the window has room.
   */
  readonly window?: number;
  /** Hand results on in input order (default `true`) or as soon as each finishes (`false`). */
  readonly ordered?: boolean;
}

/**
 * Transforms every item with an asynchronous `fn`, running up to `concurrency` calls at once.
 *
 * Contract:
 * - At most `concurrency` calls run at once.
 * - The window: at most `window` items (default `2 * concurrency`) are held at any time, counting
 *   both calls in flight and results that finished but wait to be handed on (in order, or until
 *   the consumer pulls). Item `i + window` is not even pulled while item `i` is held, so memory
 *   stays bounded by the window; the room above `concurrency` lets the calls behind one slow item
 *   go on (with jittered tasks, ordered output then runs close to the unordered speed).
 * - Read-ahead is `window` items: background pulls keep the window full while the consumer is busy.
 * - `ordered: true` (default) keeps input order; `ordered: false` emits in completion order.
 * - Every call gets `{ signal, index }`; the signal is its own, aborted when the run's signal aborts,
 *   when another call fails, or when the consumer stops early (one listener on the run's signal, removed at the end).
 * - Fail fast: the first error (from `fn` or upstream) fails the run unchanged, at once, even if
 *   earlier results are still waiting; calls still in flight are aborted and their later
 *   rejections are swallowed (never unhandled).
 * - On early exit or abort the in-flight calls are aborted and upstream is returned exactly once. Stateful per run.
 *
 * @example
 * ```ts doctest
 * import { setTimeout as delay } from 'node:timers/promises';
 *
 * let running = 0;
 * let most = 0;
 * // a slow lookup that answers the short strings last, and stops when its signal aborts
 * const lookup = async (s: string, { signal }: { signal: AbortSignal }) => {
 *   most = Math.max(most, ++running);
 *   await delay(5 * (4 - s.length), undefined, { signal });
 *   running--;
 *   return { length: s.length };
 * };
 * const lengths = await from(['a', 'bb', 'ccc'])
 *   .pipe(mapConcurrent(async (s, { signal }) => (await lookup(s, { signal })).length, { concurrency: 2 }))
 *   .toArray();
 * lengths; // => [1, 2, 3]
 * most; // => 2
 * ```
 */
export function mapConcurrent<In, Out>(fn: MapFn<In, Out>, options: MapConcurrentOptions): Stage<In, Awaited<Out>> {
  validateFunction(fn, 'mapConcurrent(fn)');
  validateObject(options, 'mapConcurrent(fn, options)');
  validateKeys(options, ['concurrency', 'ordered', 'window'], 'mapConcurrent(fn, options)');
  const concurrency = validateInteger(options.concurrency, 'mapConcurrent(fn, options).concurrency', 1);
  const ordered =
    options.ordered === undefined ? true : validateBoolean(options.ordered, 'mapConcurrent(fn, options).ordered');
  const size =
    options.window === undefined
      ? 2 * concurrency
      : validateInteger(options.window, 'mapConcurrent(fn, options).window', concurrency);
  const limits = { concurrency, size };
  return async function* mapConcurrentStage(source, { signal }) {
    const window = new Window<In, Awaited<Out>>(
      asyncIteratorOf(source, 'mapConcurrent'),
      fn as MapFn<In, Awaited<Out>>,
      limits,
      ordered,
      signal,
    );
    // One listener for the whole run wakes the consumer too: a listener per wait costs more than the item.
    const unlink = onAbort(signal, (reason) => {
      window.abortTasks(reason);
      window.changed.notify();
    });
    let failing = false;
    try {
      for (;;) {
        signal.throwIfAborted();
        window.fill();
        if (window.failure) throw window.failure.error;
        if (window.hasReady()) {
          yield window.take();
          window.held--;
          continue;
        }
        if (window.finished) return;
        await window.changed.wait();
      }
    } catch (error) {
      failing = true;
      throw error;
    } finally {
      unlink();
      await window.close(failing);
    }
  };
}

/** The state of one run: pulls, tasks and finished results, all within the window. */
class Window<In, Out> {
  readonly changed = new Notifier();
  failure: { readonly error: unknown } | undefined;
  /** Items pulled (or being pulled) and not yet handed downstream: never above the window's size. */
  held = 0;
  /** Calls of `fn` started and not settled: never above `concurrency` (a pull in progress counts). */
  private running = 0;
  private readonly tasks = new Set<AbortController>();
  private readonly byIndex = new Map<number, Out>();
  private readonly completed: Out[] = [];
  private nextIndex = 0;
  private head = 0;
  private pulling = false;
  /** Upstream ended or threw: it must not be returned. */
  private exhausted = false;
  private closed = false;

  constructor(
    private readonly it: AsyncIterator<In>,
    private readonly fn: MapFn<In, Out>,
    private readonly limits: { readonly concurrency: number; readonly size: number },
    private readonly ordered: boolean,
    private readonly signal: AbortSignal,
  ) {}

  get finished(): boolean {
    return this.exhausted && this.held === 0 && !this.pulling;
  }

  hasReady(): boolean {
    return this.ordered ? this.byIndex.has(this.head) : this.completed.length > 0;
  }

  take(): Out {
    if (!this.ordered) return this.completed.shift() as Out;
    const value = this.byIndex.get(this.head) as Out;
    this.byIndex.delete(this.head++);
    return value;
  }

  /** Starts one pull if the window has room; the pull starts the item's task and refills. */
  fill(): void {
    if (this.pulling || this.exhausted || this.closed || this.failure || this.signal.aborted) return;
    if (this.held >= this.limits.size || this.running >= this.limits.concurrency) return;
    this.pulling = true;
    this.held++;
    this.running++;
    pullOnce(this.it, 'mapConcurrent').then(
      (r) => {
        this.pulling = false;
        if (r.done) {
          this.exhausted = true;
          this.held--;
          this.running--;
          this.changed.notify();
          return;
        }
        if (this.closed) return;
        this.start(this.nextIndex++, r.value);
        this.fill();
      },
      (error: unknown) => {
        this.pulling = false;
        this.exhausted = true;
        this.fail(error);
      },
    );
  }

  private start(index: number, item: In): void {
    const controller = new AbortController();
    this.tasks.add(controller);
    let result: Promise<Out>;
    try {
      result = Promise.resolve(this.fn(item, { signal: controller.signal, index }));
    } catch (error) {
      result = Promise.reject(error);
    }
    result.then(
      (value) => {
        this.tasks.delete(controller);
        this.running--;
        if (this.closed || this.failure) return;
        if (this.ordered) this.byIndex.set(index, value);
        else this.completed.push(value);
        this.changed.notify();
        // A finished call frees a slot: the next item starts now, not when the consumer pulls.
        this.fill();
      },
      (error: unknown) => {
        this.tasks.delete(controller);
        this.running--;
        this.fail(error);
      },
    );
  }

  private fail(error: unknown): void {
    if (this.failure || this.closed) return;
    this.failure = { error };
    this.abortTasks(new DOMException('mapConcurrent: another item failed', 'AbortError'));
    this.changed.notify();
  }

  abortTasks(reason: unknown): void {
    const tasks = [...this.tasks];
    this.tasks.clear();
    for (const controller of tasks) controller.abort(reason);
  }

  /** Aborts what is in flight, drops what is held, and returns upstream once unless it ended by itself. */
  async close(failing: boolean): Promise<void> {
    this.closed = true;
    this.abortTasks(
      this.signal.aborted
        ? this.signal.reason
        : new DOMException('mapConcurrent: the consumer stopped before the end', 'AbortError'),
    );
    this.byIndex.clear();
    this.completed.length = 0;
    if (this.exhausted) return;
    this.exhausted = true;
    await closeIterators([this.it], failing, 'mapConcurrent', this.signal);
  }
}
