import type { Stage } from '@sluice/core';
import { validateBoolean, validateFunction, validateInteger, validateKeys, validateObject } from '@sluice/core/kit';
import { asyncIteratorOf, closeIterators, pullOnce } from './internal/async-iterators.js';
import { Notifier } from './internal/async-notifier.js';
import { stoppedReason, whenAborted } from './internal/async-signal.js';
import type { MapFn } from './map.js';

/** Options of `mapConcurrent` (and of `map` with a concurrency above 1). */
export interface MapConcurrentOptions {
  /** The size of the window: at most this many items are in flight or finished and waiting to be handed on. */
  readonly concurrency: number;
  /** Hand results on in input order (default `true`) or as soon as each finishes (`false`). */
  readonly ordered?: boolean;
}

/**
 * Transforms every item with an asynchronous `fn`, running up to `concurrency` calls at once.
 *
 * Contract:
 * - The window: at most `concurrency` items are held at any time, counting both calls in flight and
 *   results that finished but wait to be handed on (in order, or until the consumer pulls). Item
 *   `i + concurrency` is not even pulled while item `i` is held, so one slow item stalls new work
 *   instead of letting finished results pile up: memory stays bounded by the window.
 * - Read-ahead is `concurrency` items: a background pull keeps the window full while the consumer is busy.
 * - `ordered: true` (default) keeps input order; `ordered: false` emits in completion order.
 * - Every call gets `{ signal, index }`; the signal is its own, aborted when the run's signal aborts,
 *   when another call fails, or when the consumer stops early (one listener on the run's signal, removed at the end).
 * - Fail fast: the first error (from `fn` or upstream) fails the run unchanged, at once, even if
 *   earlier results are still waiting; calls still in flight are aborted and their later
 *   rejections are swallowed (never unhandled).
 * - On early exit or abort the in-flight calls are aborted and upstream is returned exactly once. Stateful per run.
 *
 * @example
 * ```ts
 * const lengths = await from(['a', 'bb', 'ccc'])
 *   .pipe(mapConcurrent(async (s, { signal }) => (await lookup(s, { signal })).length, { concurrency: 2 }))
 *   .toArray(); // [1, 2, 3]
 * ```
 */
export function mapConcurrent<In, Out>(fn: MapFn<In, Out>, options: MapConcurrentOptions): Stage<In, Awaited<Out>> {
  validateFunction(fn, 'mapConcurrent(fn)');
  validateObject(options, 'mapConcurrent(fn, options)');
  validateKeys(options, ['concurrency', 'ordered'], 'mapConcurrent(fn, options)');
  const concurrency = validateInteger(options.concurrency, 'mapConcurrent(fn, options).concurrency', 1);
  const ordered = options.ordered === undefined ? true : validateBoolean(options.ordered, 'mapConcurrent(fn, options).ordered');
  return async function* mapConcurrentStage(source, { signal }) {
    const window = new Window<In, Awaited<Out>>(asyncIteratorOf(source, 'mapConcurrent'), fn as MapFn<In, Awaited<Out>>, concurrency, ordered, signal);
    const unlink = whenAborted(signal, (reason) => window.abortTasks(reason));
    let failing = false;
    try {
      for (;;) {
        window.fill();
        if (window.failure) throw window.failure.error;
        if (window.hasReady()) {
          yield window.take();
          window.held--;
          continue;
        }
        if (window.finished) return;
        await window.changed.wait(signal);
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
  /** Items pulled (or being pulled) and not yet handed downstream: never above `concurrency`. */
  held = 0;
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
    private readonly concurrency: number,
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
    if (this.held >= this.concurrency) return;
    this.pulling = true;
    this.held++;
    pullOnce(this.it, 'mapConcurrent').then(
      (r) => {
        this.pulling = false;
        if (r.done) {
          this.exhausted = true;
          this.held--;
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
        if (this.closed || this.failure) return;
        if (this.ordered) this.byIndex.set(index, value);
        else this.completed.push(value);
        this.changed.notify();
      },
      (error: unknown) => {
        this.tasks.delete(controller);
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
    this.abortTasks(this.signal.aborted ? this.signal.reason : stoppedReason('mapConcurrent'));
    this.byIndex.clear();
    this.completed.length = 0;
    if (this.exhausted) return;
    this.exhausted = true;
    await closeIterators([this.it], failing, 'mapConcurrent', this.signal);
  }
}
