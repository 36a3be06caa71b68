import { SluiceTypeError, type SluiceErrorCode } from '@sluice/core';
import {
  defineBatchStage,
  describeValue,
  isUnreadable,
  lineLengthOption,
  LineSplitter,
  optionsObject,
  TextChunkDecoder,
  validateFunction,
  validateInteger,
  type FusableStage,
} from '@sluice/core/kit';
import { attempt } from './internal/attempt.js';

export { LineTooLongError } from '@sluice/core/kit';

/** A line that is not valid JSON. */
export class NdjsonParseError extends Error {
  readonly code = 'ERR_SLUICE_NDJSON_PARSE' satisfies SluiceErrorCode;
  /** 1-based line number in the input, blank lines included. */
  readonly line: number;

  constructor(line: number, cause: unknown) {
    super(`line ${line} is not valid JSON: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'NdjsonParseError';
    this.line = line;
  }
}

/** Counters a `parseNdjson` stage adds to as it goes: read them after the run. */
export interface ParseNdjsonStats {
  /** Lines read, blank ones included. */
  lines: number;
  /** Values emitted. */
  values: number;
  /** Bad lines skipped (`onError: 'skip'`). */
  skipped: number;
}

/** Options of `parseNdjson`. */
export interface ParseNdjsonOptions {
  /** `'fail'` (default): a bad line fails the run. `'skip'`: it is skipped, counted and reported to `onSkip`. */
  readonly onError?: 'fail' | 'skip';
  /** With `onError: 'skip'`, called for every skipped line; an error it throws fails the run unchanged. */
  readonly onSkip?: (error: NdjsonParseError) => void;
  /** An object whose counters the stage increments (it adds: reset them yourself to reuse the object). */
  readonly stats?: ParseNdjsonStats;
  /** Passed to `JSON.parse`. */
  readonly reviver?: (this: unknown, key: string, value: unknown) => unknown;
  /** Longest line accepted, in UTF-16 code units (default 1 MiB); a longer one fails with `LineTooLongError`. */
  readonly maxLineLength?: number;
}

const OPTIONS = ['onError', 'onSkip', 'stats', 'reviver', 'maxLineLength'];
const NAME = 'parseNdjson(options)';

function isBlank(line: string): boolean {
  return line.length === 0 || line.trim().length === 0;
}

/**
 * Parses newline-delimited JSON: one value per non-blank line.
 *
 * Contract:
 * - Input: strings and/or UTF-8 bytes, chunked anyhow (the line handling of `splitLines`:
 *   `\n` or `\r\n`, characters split across chunks, a last line without newline).
 * - Output: `JSON.parse` of each non-blank line, in order; blank (whitespace-only) lines are ignored.
 * - Read-ahead: none beyond the current chunk; holds at most one unterminated line. Inside
 *   sluice, one output batch per input batch.
 * - Errors: with `onError: 'fail'` a bad line fails the run with `NdjsonParseError`
 *   (`code: 'ERR_SLUICE_NDJSON_PARSE'`, `line`, `cause`: the `SyntaxError`) after the values before
 *   it were delivered; with `'skip'` it is counted in `stats.skipped` and passed to `onSkip`.
 *   A line past `maxLineLength` always fails with `LineTooLongError`. Upstream errors pass through unchanged.
 * - Cancellation closes upstream; stateful per run, the factory is reusable.
 *
 * @example
 * ```ts doctest
 * const stats = { lines: 0, values: 0, skipped: 0 };
 * const values = await from(['{"id":1}\n', 'oops\n\n{"id":2}'])
 *   .pipe(parseNdjson({ onError: 'skip', stats }))
 *   .toArray();
 * values; // => [{ id: 1 }, { id: 2 }]
 * stats; // => { lines: 4, values: 2, skipped: 1 }
 * ```
 */
export function parseNdjson<T = unknown>(options: ParseNdjsonOptions = {}): FusableStage<string | Uint8Array, T> {
  const opts = optionsObject(options, OPTIONS, NAME);
  const onError = opts.onError === undefined ? 'fail' : opts.onError;
  if (onError !== 'fail' && onError !== 'skip') {
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_OPTION',
      `${NAME}.onError must be 'fail' or 'skip', got ${describeValue(onError)}`,
    );
  }
  const onSkip = opts.onSkip as ParseNdjsonOptions['onSkip'];
  if (onSkip !== undefined) {
    validateFunction(onSkip, `${NAME}.onSkip`);
    if (onError !== 'skip') {
      throw new SluiceTypeError('ERR_SLUICE_INVALID_OPTION', `${NAME}.onSkip is only called with onError: 'skip'`);
    }
  }
  const stats = opts.stats as ParseNdjsonStats | undefined;
  if (stats !== undefined) {
    const what = `${NAME}.stats`;
    if (typeof stats !== 'object' || stats === null || isUnreadable(stats)) {
      throw new SluiceTypeError(
        'ERR_SLUICE_INVALID_OPTION',
        `${what} must be an object with lines, values and skipped`,
      );
    }
    for (const key of ['lines', 'values', 'skipped'] as const) validateInteger(stats[key], `${what}.${key}`);
  }
  const reviver = opts.reviver as ParseNdjsonOptions['reviver'];
  if (reviver !== undefined) validateFunction(reviver, `${NAME}.reviver`);
  const maxLineLength = lineLengthOption(opts.maxLineLength, `${NAME}.maxLineLength`);
  const skip = onError === 'skip';

  return defineBatchStage<string | Uint8Array, T>('parseNdjson', async function* parseNdjsonBatches(batches) {
    const decoder = new TextChunkDecoder('parseNdjson()');
    const splitter = new LineSplitter(maxLineLength, false);
    const lines: string[] = [];
    // A byte order mark is not part of the first value: TextDecoder drops it from bytes, and
    // text read with setEncoding('utf8') keeps it, so drop it from the first text too.
    let atStart = true;

    const parse = (input: string, values: T[], last: boolean): void => {
      let text = input;
      if (atStart && text.length > 0) {
        atStart = false;
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      }
      const first = splitter.lineCount + 1;
      lines.length = 0;
      const tooLong = attempt(() => {
        splitter.push(text, lines);
        if (last) splitter.end(lines);
      });
      if (stats) stats.lines += lines.length;
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i] as string;
        if (isBlank(line)) continue;
        let value: T;
        try {
          value = JSON.parse(line, reviver) as T;
        } catch (cause) {
          const error = new NdjsonParseError(first + i, cause);
          if (!skip) throw error;
          if (stats) stats.skipped++;
          onSkip?.(error);
          continue;
        }
        values.push(value);
        if (stats) stats.values++;
      }
      if (tooLong) throw tooLong.error;
    };

    for await (const batch of batches) {
      const values: T[] = [];
      const failure = attempt(() => {
        for (const chunk of batch) parse(decoder.decode(chunk), values, false);
      });
      if (values.length > 0) yield values;
      if (failure) throw failure.error;
    }
    const values: T[] = [];
    const failure = attempt(() => parse(decoder.end(), values, true));
    if (values.length > 0) yield values;
    if (failure) throw failure.error;
  });
}
