import {
  defineBatchStage,
  lineLengthOption,
  LineSplitter,
  optionalBoolean,
  optionsObject,
  TextChunkDecoder,
  type FusableStage,
} from '@sluice/core/kit';
import { attempt } from './internal/attempt.js';

export { LineTooLongError, DEFAULT_MAX_LINE_LENGTH } from '@sluice/core/kit';

/** Options of `splitLines`. */
export interface SplitLinesOptions {
  /**
   * Longest line accepted, in UTF-16 code units, terminator excluded (default 1 MiB = 1,048,576).
   * A longer line fails the run with a `LineTooLongError` instead of growing memory.
   */
  readonly maxLineLength?: number;
  /** Drops empty lines (default false). Line numbers in errors still count them. */
  readonly skipEmpty?: boolean;
}

/**
 * Cuts text or UTF-8 bytes into lines.
 *
 * Contract:
 * - Input: strings and/or `Uint8Array`s (Buffers). Bytes are decoded as UTF-8 in streaming mode,
 *   so a character split across chunks stays whole; a byte order mark at the start of byte input
 *   is dropped and invalid bytes become U+FFFD. Strings are taken as they are.
 * - Output: the lines in order, without `\n` / `\r\n` (a `\r\n` split across chunks included);
 *   a lone `\r` is kept. The last line is emitted even without a final newline. Same result as
 *   `text.split(/\r?\n/)` minus the empty string after a final newline, however the input is chunked.
 * - Read-ahead: none beyond the current chunk; holds the unterminated rest of one line, at most
 *   `maxLineLength` code units. Inside sluice, one output batch of lines per input batch.
 * - Errors: a line longer than `maxLineLength` fails with `LineTooLongError`
 *   (`code: 'ERR_SLUICE_LINE_TOO_LONG'`, `line`: its 1-based number) after the lines before it
 *   were delivered; a chunk that is neither string nor bytes fails with a coded `TypeError`.
 *   Upstream errors pass through unchanged.
 * - Cancellation closes upstream; stateful per run (the held rest), the factory is reusable.
 *
 * @example
 * ```ts doctest
 * const lines = await from(['id,name\r\n1,Ada\n2,', 'Grace\n']).pipe(splitLines()).toArray();
 * lines; // => ['id,name', '1,Ada', '2,Grace']
 * ```
 */
export function splitLines(options: SplitLinesOptions = {}): FusableStage<string | Uint8Array, string> {
  const opts = optionsObject(options, ['maxLineLength', 'skipEmpty'], 'splitLines(options)');
  const maxLineLength = lineLengthOption(opts.maxLineLength, 'splitLines(options).maxLineLength');
  const skipEmpty = optionalBoolean(opts.skipEmpty, 'splitLines(options).skipEmpty', false);
  return defineBatchStage<string | Uint8Array, string>('splitLines', async function* splitLinesBatches(batches) {
    const decoder = new TextChunkDecoder('splitLines()');
    const splitter = new LineSplitter(maxLineLength, skipEmpty);
    for await (const batch of batches) {
      const lines: string[] = [];
      const failure = attempt(() => {
        for (const chunk of batch) splitter.push(decoder.decode(chunk), lines);
      });
      if (lines.length > 0) yield lines;
      if (failure) throw failure.error;
    }
    const last: string[] = [];
    const failure = attempt(() => {
      splitter.push(decoder.end(), last);
      splitter.end(last);
    });
    if (last.length > 0) yield last;
    if (failure) throw failure.error;
  });
}
