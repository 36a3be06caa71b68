import { SluiceTypeError } from '@sluice/core';
import {
  chunkTypeError,
  defineBatchStage,
  isUnreadable,
  validateBoolean,
  validateFunction,
  validateInteger,
  validateKeys,
  validateObject,
  type FusableStage,
} from '@sluice/core/kit';
import { validateDelimiter } from './internal/csv-options.js';
import { CsvParser } from './internal/csv-parser.js';
import type { CsvCastContext } from './internal/csv-records.js';

export { CsvParseError } from './internal/csv-errors.js';
export type { CsvCastContext } from './internal/csv-records.js';

/** Options of `parseCsv`; `V` is the type of a field after `cast`. */
export interface ParseCsvOptions<V = string> {
  /** One character between fields (default `,`); not a quote, CR or LF. */
  readonly delimiter?: string;
  /**
   * The first record is a header row (default: true without `columns`, false with). Without
   * `columns` it names the fields and records are objects; with `columns` it is skipped.
   * `header: false` without `columns` gives arrays.
   */
  readonly header?: boolean;
  /** Names the fields: records are objects with these keys. */
  readonly columns?: readonly string[];
  /**
   * Accept records whose field count differs from the header's (or the first record's): a
   * missing field is left out of the object, an extra one is dropped (arrays keep every field).
   * Default false: such a record fails the run with a `CsvParseError`.
   */
  readonly relaxColumnCount?: boolean;
  /** Skip lines with nothing on them (default false: an empty line is a record with one empty field). */
  readonly skipEmptyLines?: boolean;
  /**
   * The longest record accepted, in UTF-16 code units of text (bytes, for ASCII), not counting
   * its line break (default 1 MiB). Bounds the memory a missing closing quote can take: the run
   * fails as soon as the record in progress is longer, without waiting for the input to end.
   */
  readonly maxRecordBytes?: number;
  /** Turns each field's text into a value (the header is not cast); an error it throws fails the run unchanged. */
  readonly cast?: (value: string, ctx: CsvCastContext) => V;
}

const OPTION_KEYS = ['delimiter', 'header', 'columns', 'relaxColumnCount', 'skipEmptyLines', 'maxRecordBytes', 'cast'];

function validateColumns(columns: unknown): readonly string[] {
  if (
    isUnreadable(columns) ||
    !Array.isArray(columns) ||
    columns.length === 0 ||
    !columns.every((c) => typeof c === 'string')
  ) {
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_OPTION',
      'parseCsv(options).columns must be a non-empty array of strings',
    );
  }
  return [...(columns as string[])];
}

/**
 * Parses CSV text or UTF-8 bytes into records: objects keyed by the header (default) or arrays.
 *
 * Contract:
 * - RFC 4180: quoted fields may hold delimiters, line breaks and doubled quotes. Records end with
 *   `\n` or `\r\n` (both accepted anywhere); the last line break is optional. A leading BOM is
 *   stripped. Fields are not trimmed. Bytes are decoded as UTF-8 across chunk boundaries (a
 *   character split between chunks stays whole; invalid bytes become U+FFFD).
 * - The result does not depend on how the input is chunked. Each input batch's complete records
 *   come out as one batch; a record split across batches waits for its end, so read-ahead is the
 *   text of one record. Stateful per run.
 * - Malformed input fails the run with a `CsvParseError` (`code` `ERR_SLUICE_CSV_PARSE`, 1-based
 *   `line` and `column`): a quote inside an unquoted field, text after a closing quote, a CR
 *   without LF outside quotes, a missing closing quote at the end, a record longer than
 *   `maxRecordBytes`, a duplicate header name, or (unless `relaxColumnCount`) a record whose field
 *   count differs from the header's. Records before the bad one in the same batch are not emitted.
 * - Cancellation stops at the next chunk.
 *
 * @example
 * ```ts doctest
 * const text = 'id,name\r\n1,"Ada, ""the Countess"""\r\n2,Grace\r\n';
 * const records = await from([text]).pipe(parseCsv({ cast: (v, { column }) => (column === 'id' ? Number(v) : v) })).toArray();
 * records; // => [{ id: 1, name: 'Ada, "the Countess"' }, { id: 2, name: 'Grace' }]
 * ```
 */
export function parseCsv<V = string>(
  options: ParseCsvOptions<V> & { readonly header: false; readonly columns?: undefined },
): FusableStage<string | Uint8Array, V[]>;
export function parseCsv<V = string>(
  options?: ParseCsvOptions<V>,
): FusableStage<string | Uint8Array, Record<string, V>>;
export function parseCsv<V = string>(options: ParseCsvOptions<V> = {}): FusableStage<string | Uint8Array, unknown> {
  validateObject(options, 'parseCsv(options)');
  validateKeys(options, OPTION_KEYS, 'parseCsv(options)');
  const columns = options.columns === undefined ? undefined : validateColumns(options.columns);
  if (options.cast !== undefined) validateFunction(options.cast, 'parseCsv(options).cast');
  const parserOptions = {
    delimiter:
      options.delimiter === undefined ? ',' : validateDelimiter(options.delimiter, 'parseCsv(options).delimiter'),
    header:
      options.header === undefined
        ? columns === undefined
        : validateBoolean(options.header, 'parseCsv(options).header'),
    columns,
    relaxColumnCount:
      options.relaxColumnCount === undefined
        ? false
        : validateBoolean(options.relaxColumnCount, 'parseCsv(options).relaxColumnCount'),
    skipEmptyLines:
      options.skipEmptyLines === undefined
        ? false
        : validateBoolean(options.skipEmptyLines, 'parseCsv(options).skipEmptyLines'),
    maxRecordBytes:
      options.maxRecordBytes === undefined
        ? 1_048_576
        : validateInteger(options.maxRecordBytes, 'parseCsv(options).maxRecordBytes', 1),
    cast: options.cast as ((value: string, ctx: CsvCastContext) => unknown) | undefined,
  };
  return defineBatchStage<string | Uint8Array, unknown>('parseCsv', async function* parseCsvBatches(batches) {
    const parser = new CsvParser(parserOptions);
    const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    let decoding = false;
    for await (const batch of batches) {
      const out: unknown[] = [];
      for (const chunk of batch) {
        if (typeof chunk === 'string') {
          if (decoding) {
            decoding = false;
            parser.push(decoder.decode(), out);
          }
          parser.push(chunk, out);
        } else if (chunk instanceof Uint8Array) {
          decoding = true;
          parser.push(decoder.decode(chunk, { stream: true }), out);
        } else {
          throw chunkTypeError('parseCsv()', chunk);
        }
      }
      if (out.length > 0) yield out;
    }
    const out: unknown[] = [];
    if (decoding) parser.push(decoder.decode(), out);
    parser.end(out);
    if (out.length > 0) yield out;
  });
}
