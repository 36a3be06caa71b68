import type { ItemContext } from './internal/each-item.js';
import {
  defineBatchStage,
  defineInlineStage,
  validateBoolean,
  validateFunction,
  validateInteger,
  validateKeys,
  validateObject,
  type FusableStage,
} from '@sluice/core/kit';
import { mapConcurrent } from './map-concurrent.js';

export { itemContext, type ItemContext } from './internal/each-item.js';

/** `map`'s function: one item in, one item (or a promise of it) out. */
export type MapFn<In, Out> = (item: In, ctx: ItemContext) => Out | PromiseLike<Out>;

async function* flatten<T>(batches: AsyncIterable<T[]>): AsyncGenerator<T> {
  for await (const batch of batches) yield* batch;
}

/** Options of `map`. */
export interface MapOptions {
  /** How many calls of `fn` may run at once (default 1). Above 1, `map` is `mapConcurrent`. */
  readonly concurrency?: number;
  /** With a concurrency above 1: keep input order (default `true`) or emit in completion order. */
  readonly ordered?: boolean;
}

/**
 * Transforms every item with `fn`.
 *
 * Contract:
 * - With `{ concurrency: n }` (n > 1) it is `mapConcurrent(fn, { concurrency: n, ordered })`: up to
 *   n calls at once, a window of 2n items (read-ahead 2n), fail-fast with per-call signals; see there.
 *   The rest of this list is about the default, concurrency 1.
 * - Order is kept; one output per input; no read-ahead (a promise returned by `fn` is awaited
 *   before the next item is mapped).
 * - Stateless; fused with adjacent synchronous operators, so a synchronous `fn` costs no promise per item.
 * - An error thrown by `fn` (or a rejection of its promise) fails the run unchanged.
 * - `fn` receives `{ signal, index }`: pass the signal to whatever it awaits so an abort reaches it.
 *   `index` is the item's 0-based position in this stage's input. The context belongs to the call
 *   until the call (and its promise) settles, with any concurrency: read it after an `await` if you
 *   like, but do not keep it beyond (at concurrency 1 the same object serves the next call).
 *
 * @example
 * ```ts doctest
 * await from([1, 2, 3]).pipe(map((n) => n * 10)).toArray(); // => [10, 20, 30]
 * ```
 */
export function map<In, Out>(fn: MapFn<In, Out>, options?: MapOptions): FusableStage<In, Awaited<Out>> {
  validateFunction(fn, 'map(fn)');
  if (options !== undefined) {
    validateObject(options, 'map(fn, options)');
    validateKeys(options, ['concurrency', 'ordered'], 'map(fn, options)');
    const concurrency =
      options.concurrency === undefined ? 1 : validateInteger(options.concurrency, 'map(fn, options).concurrency', 1);
    const ordered = options.ordered === undefined ? true : validateBoolean(options.ordered, 'map(fn, options).ordered');
    if (concurrency > 1) {
      const concurrent = mapConcurrent(fn, { concurrency, ordered });
      return defineBatchStage<In, Awaited<Out>>('map', async function* (batches, ctx) {
        for await (const out of concurrent(flatten(batches), ctx)) yield [out];
      });
    }
  }
  return defineInlineStage<In, Awaited<Out>>('map', 'map', fn);
}
