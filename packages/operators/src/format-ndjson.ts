import type { SluiceErrorCode } from '@sluice/core';
import {
  defineBatchStage,
  describeValue,
  optionsObject,
  validateFunction,
  validateInteger,
  type FusableStage,
} from '@sluice/core/kit';
import { attempt } from './internal/attempt.js';

/** Default size from which `formatNdjson` starts a new output chunk, in UTF-16 code units. */
export const DEFAULT_NDJSON_CHUNK_SIZE = 64 * 1024;

/** A value that JSON cannot represent (undefined, a function, a symbol, a bigint, a circular structure). */
export class NdjsonFormatError extends Error {
  readonly code = 'ERR_SLUICE_NDJSON_FORMAT' satisfies SluiceErrorCode;
  /** 0-based position of the value in the stage's input. */
  readonly index: number;

  constructor(index: number, reason: string, cause?: unknown) {
    super(`item ${index} cannot be written as JSON: ${reason}`, cause === undefined ? undefined : { cause });
    this.name = 'NdjsonFormatError';
    this.index = index;
  }
}

/** Options of `formatNdjson`. */
export interface FormatNdjsonOptions {
  /**
   * Lines are joined into one string until it reaches this many UTF-16 code units (default 65,536);
   * a chunk is therefore shorter than `chunkSize` plus one line.
   */
  readonly chunkSize?: number;
  /** Passed to `JSON.stringify` (e.g. to turn bigints into strings). */
  readonly replacer?: (this: unknown, key: string, value: unknown) => unknown;
}

/** Why `JSON.stringify` gave no text: the value has no JSON form, or the replacer dropped it. */
function noJsonForm(value: unknown): string {
  const type = typeof value;
  const dropped = type !== 'undefined' && type !== 'function' && type !== 'symbol';
  return `${describeValue(value)} has no JSON form${dropped ? ' (the replacer returned undefined)' : ''}`;
}

/**
 * Writes each item as one line of JSON (`JSON.stringify(item) + '\n'`).
 *
 * Contract:
 * - Output: strings, in order. The lines of one input batch are joined into chunks of about
 *   `chunkSize` code units (never more than `chunkSize` plus one line); lines are never held
 *   across batches, so nothing waits for more input. Outside sluice (batches of one) each item
 *   gives one chunk.
 * - Read-ahead: none. Stateless apart from the item index.
 * - Errors: a value JSON cannot represent (undefined, a function or symbol, a bigint, a circular
 *   structure, a throwing `toJSON`) fails with `NdjsonFormatError` (`code: 'ERR_SLUICE_NDJSON_FORMAT'`,
 *   `index`, `cause`: the error `JSON.stringify` threw, if any), after the lines before it were
 *   delivered. Upstream errors pass through unchanged.
 * - Cancellation closes upstream.
 *
 * @example
 * ```ts doctest
 * const text = await from([{ id: 1 }, { id: 2 }]).pipe(formatNdjson()).toArray();
 * text; // => ['{"id":1}\n{"id":2}\n']
 * ```
 */
export function formatNdjson<T = unknown>(options: FormatNdjsonOptions = {}): FusableStage<T, string> {
  const opts = optionsObject(options, ['chunkSize', 'replacer'], 'formatNdjson(options)');
  const chunkSize =
    opts.chunkSize === undefined
      ? DEFAULT_NDJSON_CHUNK_SIZE
      : validateInteger(opts.chunkSize, 'formatNdjson(options).chunkSize', 1);
  const replacer = opts.replacer as FormatNdjsonOptions['replacer'];
  if (replacer !== undefined) validateFunction(replacer, 'formatNdjson(options).replacer');

  return defineBatchStage<T, string>('formatNdjson', async function* formatNdjsonBatches(batches) {
    let index = 0;
    for await (const batch of batches) {
      const chunks: string[] = [];
      let text = '';
      const failure = attempt(() => {
        for (const value of batch) {
          let json: string | undefined;
          try {
            json = JSON.stringify(value, replacer);
          } catch (cause) {
            throw new NdjsonFormatError(index, cause instanceof Error ? cause.message : describeValue(cause), cause);
          }
          if (json === undefined) throw new NdjsonFormatError(index, noJsonForm(value));
          index++;
          text += `${json}\n`;
          if (text.length >= chunkSize) {
            chunks.push(text);
            text = '';
          }
        }
      });
      if (text.length > 0) chunks.push(text);
      if (chunks.length > 0) yield chunks;
      if (failure) throw failure.error;
    }
  });
}
