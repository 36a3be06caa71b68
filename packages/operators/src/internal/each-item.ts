import type { StageContext } from '@sluice/core';
import { isThenable, type KernelInstance } from '@sluice/core/kit';

/**
 * What a user callback receives besides the item. It belongs to the call until the call (and its
 * promise) settles; it may then be reused for the next call, so a callback must not keep it.
 */
export interface ItemContext {
  readonly signal: AbortSignal;
  /** 0-based position of the item in this stage's input. */
  readonly index: number;
}

/** A reusable per-run context object: one allocation per run, not per item. */
export function itemContext(ctx: StageContext): { signal: AbortSignal; index: number } {
  return { signal: ctx.signal, index: 0 };
}

/**
 * The kernel of takeWhile: calls `fn(item, { signal, index })` for every item and lets `step`
 * decide what to emit (`false` stops the input). Synchronous results stay on a loop that allocates
 * no promise; the first promise switches the rest of the batch to an async path that awaits each
 * result in order. (map, filter and tap are inline stages instead: `defineInlineStage` in the kit.)
 */
export function eachItem<T, R, O>(
  ctx: StageContext,
  fn: (item: T, ctx: ItemContext) => R | PromiseLike<R>,
  step: (item: T, result: R, out: O[]) => boolean,
): KernelInstance<T, O> {
  const ictx = itemContext(ctx);
  let index = 0;
  const rest = async (batch: readonly T[], from: number, pending: PromiseLike<R>, out: O[]): Promise<boolean> => {
    if (!step(batch[from - 1] as T, await pending, out)) return false;
    for (let i = from; i < batch.length; i++) {
      ictx.index = index++;
      const result = fn(batch[i] as T, ictx);
      if (!step(batch[i] as T, isThenable(result) ? await result : result, out)) return false;
    }
    return true;
  };
  return {
    push(batch, out) {
      for (let i = 0; i < batch.length; i++) {
        ictx.index = index++;
        const result = fn(batch[i] as T, ictx);
        if (isThenable(result)) return rest(batch, i + 1, result, out);
        if (!step(batch[i] as T, result, out)) return false;
      }
      return true;
    },
  };
}
