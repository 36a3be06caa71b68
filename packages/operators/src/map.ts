import { isThenable } from './internal/thenable.js';
import { defineSyncStage, validateFunction, type FusableStage, type StageContext } from '@sluice/core';

/** What a user callback receives besides the item. The object is reused between calls: read `index` right away. */
export interface ItemContext {
  readonly signal: AbortSignal;
  /** 0-based position of the item in this stage's input. */
  readonly index: number;
}

export type MapFn<In, Out> = (item: In, ctx: ItemContext) => Out | PromiseLike<Out>;

/** A reusable per-run context object: one allocation per run, not per item. */
export function itemContext(ctx: StageContext): { signal: AbortSignal; index: number } {
  return { signal: ctx.signal, index: 0 };
}

/**
 * Transforms every item with `fn`.
 *
 * Contract:
 * - Order is kept; one output per input; no read-ahead (a promise returned by `fn` is awaited
 *   before the next item is mapped).
 * - Stateless; fused with adjacent synchronous operators, so a synchronous `fn` costs no promise per item.
 * - An error thrown by `fn` (or a rejection of its promise) fails the run unchanged.
 * - `fn` receives `{ signal, index }`: pass the signal to whatever it awaits so an abort reaches it.
 *
 * @example
 * ```ts
 * await from([1, 2, 3]).pipe(map((n) => n * 10)).toArray(); // [10, 20, 30]
 * ```
 */
export function map<In, Out>(fn: MapFn<In, Out>): FusableStage<In, Awaited<Out>> {
  validateFunction(fn, 'map(fn)');
  return defineSyncStage<In, Awaited<Out>>(
    'map',
    (ctx) => {
      const ictx = itemContext(ctx);
      let index = 0;
      const rest = async (batch: readonly In[], from: number, pending: PromiseLike<unknown>, out: unknown[]) => {
        out.push(await pending);
        for (let i = from; i < batch.length; i++) {
          ictx.index = index++;
          out.push(await fn(batch[i] as In, ictx));
        }
        return true;
      };
      return {
        push(batch, out) {
          for (let i = 0; i < batch.length; i++) {
            ictx.index = index++;
            const value = fn(batch[i] as In, ictx);
            if (isThenable(value)) return rest(batch, i + 1, value, out);
            out.push(value as Awaited<Out>);
          }
          return true;
        },
      };
    },
    { oneToOne: true, inline: { op: 'map', fn } },
  );
}
