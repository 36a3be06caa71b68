import type { Stage } from '@sluice/core';
import {
  validateDelay,
  validateFunction,
  validateInteger,
  validateKeys,
  validateNumber,
  validateObject,
} from '@sluice/core/kit';
import { sleep } from './internal/async-sleep.js';

/** What the function given to `retry` receives besides the item. */
export interface RetryContext {
  readonly signal: AbortSignal;
  /** 0-based position of the item in this stage's input. */
  readonly index: number;
  /** 1-based attempt number for this item. */
  readonly attempt: number;
}

/** Exponential backoff between attempts: `min(maxMs, initialMs * factor ** (attempt - 1))`. */
export interface RetryBackoff {
  /** Delay before the second attempt (default 100 ms). */
  readonly initialMs?: number;
  /** Growth of the delay per attempt, >= 1 (default 2). */
  readonly factor?: number;
  /** Cap of the delay (default 10 000 ms). */
  readonly maxMs?: number;
}

/** Options of `retry`. */
export interface RetryOptions<In> {
  /** Total attempts per item, the first included (default 3). */
  readonly attempts?: number;
  readonly backoff?: RetryBackoff;
  /** Decides whether an error is worth another attempt (default: every error is). */
  readonly retryIf?: (
    error: unknown,
    info: { readonly item: In; readonly index: number; readonly attempt: number },
  ) => boolean;
}

function delayOption(value: unknown, name: string, fallback: number): number {
  return value === undefined ? fallback : validateDelay(value, name);
}

/**
 * Transforms every item with `fn`, retrying that item (not the whole stream) with exponential
 * backoff when `fn` fails.
 *
 * Contract:
 * - Order is kept; one output per input; items are processed one at a time; no read-ahead.
 * - `fn` receives `{ signal, index, attempt }`. An item is tried up to `attempts` times; between
 *   tries the stage waits `min(maxMs, initialMs * factor ** (attempt - 1))` ms. When `retryIf`
 *   returns false, or the attempts are used up, the last error fails the run unchanged.
 * - The backoff is abortable: on abort the timer is cleared at once, `fn` is not called again and
 *   the stage rejects with `signal.reason`. An error `fn` throws after the signal aborted is not
 *   retried either (the stage rejects with `signal.reason`).
 * - On early exit upstream is returned once; no timer is left. Stateless across items.
 *
 * @example
 * ```ts doctest
 * const tries = new Map<number, number>();
 * // a row service that fails the first two times it is asked for row 2
 * const fetchRow = async (id: number, { signal }: { signal: AbortSignal }) => {
 *   signal.throwIfAborted();
 *   tries.set(id, (tries.get(id) ?? 0) + 1);
 *   if (id === 2 && tries.get(id)! < 3) throw new Error('503 Service Unavailable');
 *   return { id };
 * };
 * const rows = await from([1, 2, 3])
 *   .pipe(retry((id, { signal }) => fetchRow(id, { signal }), { attempts: 4, backoff: { initialMs: 5, factor: 2, maxMs: 100 } }))
 *   .toArray(); // waits 5 ms, then 10 ms, before the third try of row 2
 * rows; // => [{ id: 1 }, { id: 2 }, { id: 3 }]
 * tries; // => new Map([[1, 1], [2, 3], [3, 1]])
 * ```
 */
export function retry<In, Out>(
  fn: (item: In, ctx: RetryContext) => Out | PromiseLike<Out>,
  options: RetryOptions<In> = {},
): Stage<In, Awaited<Out>> {
  validateFunction(fn, 'retry(fn)');
  validateObject(options, 'retry(fn, options)');
  validateKeys(options, ['attempts', 'backoff', 'retryIf'], 'retry(fn, options)');
  const attempts =
    options.attempts === undefined ? 3 : validateInteger(options.attempts, 'retry(fn, options).attempts', 1);
  const backoff: RetryBackoff = options.backoff ?? {};
  validateObject(backoff, 'retry(fn, options).backoff');
  validateKeys(backoff, ['initialMs', 'factor', 'maxMs'], 'retry(fn, options).backoff');
  const initialMs = delayOption(backoff.initialMs, 'retry(fn, options).backoff.initialMs', 100);
  const factor =
    backoff.factor === undefined ? 2 : validateNumber(backoff.factor, 'retry(fn, options).backoff.factor', 1);
  const maxMs = delayOption(backoff.maxMs, 'retry(fn, options).backoff.maxMs', 10_000);
  const retryIf = (options as RetryOptions<In>).retryIf;
  if (retryIf !== undefined) validateFunction(retryIf as unknown, 'retry(fn, options).retryIf');
  const delay = (attempt: number) => Math.min(maxMs, initialMs * factor ** (attempt - 1));

  return async function* retryStage(source, { signal }) {
    let index = 0;
    for await (const item of source) {
      const position = index++;
      for (let attempt = 1; ; attempt++) {
        let value: Awaited<Out>;
        try {
          value = await fn(item, { signal, index: position, attempt });
        } catch (error) {
          signal.throwIfAborted();
          if (attempt >= attempts || (retryIf && !retryIf(error, { item, index: position, attempt }))) throw error;
          await sleep(delay(attempt), signal);
          continue;
        }
        yield value;
        break;
      }
    }
  };
}
