import { SluiceRangeError, SluiceTypeError } from '@sluice/core';
import {
  defineSyncStage,
  describeValue,
  isUnreadable,
  validateBoolean,
  validateInteger,
  validateKeys,
  validateObject,
  type FusableStage,
} from '@sluice/core/kit';
import { validateDelimiter } from './internal/csv-options.js';
import { makeQuoter } from './internal/csv-cell.js';
import { CsvText } from './internal/csv-text.js';
import { CsvRowWriter } from './internal/csv-rows.js';

export { CsvFormatError } from './internal/csv-errors.js';

/** A column of `formatCsv`: a key (also its header), or a key with its own header. */
export type CsvColumn = string | { readonly key: string; readonly header?: string };

/**
 * A row of `formatCsv`: an object read through the column keys, or an array of cells by position.
 * (`object` rather than a record type, so that rows typed by an interface are accepted.)
 */
export type CsvRow = object;

/** Options of `formatCsv`. */
export interface FormatCsvOptions {
  /**
   * Selects, orders and names the columns: `['id', { key: 'name', header: 'Full name' }]`. Keys
   * are property names (a dot is part of the name, not a path). Without it the keys of the
   * first row are the columns, and a later row with a key outside them fails the run.
   */
  readonly columns?: readonly CsvColumn[];
  /** Write the header row (default true). Without `columns`, only object rows can name it. */
  readonly header?: boolean;
  /** One character between cells (default `,`); not a quote, CR or LF. */
  readonly delimiter?: string;
  /** The end of every record, the last one included (default `\n`). */
  readonly eol?: '\n' | '\r\n';
  /** Start the output with a byte order mark so spreadsheet programs read it as UTF-8 (default false). */
  readonly bom?: boolean;
  /**
   * Prefix `'` to cells (header cells included) that start with `=`, `+`, `-`, `@`, a tab or a
   * CR, or the full-width `＝ ＋ － ＠`, so a spreadsheet shows them as text instead of running
   * them as formulas (CSV injection). Numbers and bigints are never prefixed (`-1` stays `-1`). Default false: the prefix changes
   * the data, so turn it on for files meant for spreadsheets, off for files meant for programs.
   */
  readonly escapeFormulas?: boolean;
  /**
   * Text is held back until at least this many characters are ready, so that a file or gzip
   * downstream gets large chunks even when the batches are small (default 65536; 0 emits every
   * batch's text at once).
   */
  readonly chunkSize?: number;
}

const OPTION_KEYS = ['columns', 'header', 'delimiter', 'eol', 'bom', 'escapeFormulas', 'chunkSize'];

function validateEol(eol: unknown): '\n' | '\r\n' {
  const expected = "formatCsv(options).eol must be '\\n' or '\\r\\n'";
  if (typeof eol !== 'string')
    throw new SluiceTypeError('ERR_SLUICE_INVALID_OPTION', `${expected}, got ${describeValue(eol)}`);
  if (eol !== '\n' && eol !== '\r\n')
    throw new SluiceRangeError('ERR_SLUICE_OPTION_OUT_OF_RANGE', `${expected}, got ${JSON.stringify(eol)}`);
  return eol;
}

function resolveColumns(columns: unknown): { keys: string[]; headers: string[] } {
  if (isUnreadable(columns) || !Array.isArray(columns) || columns.length === 0) {
    throw new SluiceTypeError('ERR_SLUICE_INVALID_OPTION', 'formatCsv(options).columns must be a non-empty array');
  }
  const keys: string[] = [];
  const headers: string[] = [];
  columns.forEach((column: unknown, i) => {
    const name = `formatCsv(options).columns[${i}]`;
    if (typeof column === 'string') {
      keys.push(column);
      headers.push(column);
      return;
    }
    validateObject(column, name);
    validateKeys(column, ['key', 'header'], name);
    if (typeof column.key !== 'string')
      throw new SluiceTypeError('ERR_SLUICE_INVALID_OPTION', `${name}.key must be a string`);
    if (column.header !== undefined && typeof column.header !== 'string') {
      throw new SluiceTypeError('ERR_SLUICE_INVALID_OPTION', `${name}.header must be a string`);
    }
    keys.push(column.key);
    headers.push(column.header ?? column.key);
  });
  const seen = new Set<string>();
  for (const header of headers) {
    if (seen.has(header)) {
      throw new SluiceRangeError(
        'ERR_SLUICE_OPTION_OUT_OF_RANGE',
        `formatCsv(options).columns names the header ${JSON.stringify(header)} twice; give each column its own header`,
      );
    }
    seen.add(header);
  }
  return { keys, headers };
}

/**
 * Formats rows (objects or arrays) as RFC 4180 CSV text, one string chunk per ~64 KiB.
 *
 * Contract:
 * - Order is kept. A cell is quoted only when it holds the delimiter, a quote, CR or LF (or starts
 *   with U+FEFF, which a reader would take for a byte order mark); quotes inside are doubled. Every record ends with `eol`. The header row comes first (with an empty
 *   input, only when `columns` named it).
 * - Cells: strings as they are; numbers and bigints as `String()` gives them; booleans `true`/`false`;
 *   null and undefined empty; a Date in ISO 8601 (as `toISOString()` writes it); other objects and arrays as JSON.
 *   A function, a symbol, an invalid Date or an object JSON cannot write (circular, holding a bigint)
 *   fails the run with a `CsvFormatError` naming the row (0-based) and the column.
 * - Array rows are written by position under the columns; every row must have as many cells as
 *   there are columns (from `columns`, the first object row's keys, or the first array row's length).
 *   Without `columns`, a row with a key the first row did not have fails the run; a missing key is an
 *   empty cell. Only what `parseCsv()` reads back with its default strictness is written.
 * - Read-ahead and latency: text is held until `chunkSize` characters are ready, so at most that
 *   much text (plus the row that crosses it) is held, and a row's text can wait for the rows after it; the rest is
 *   emitted when the input ends. With a source that trickles, lower `chunkSize` (0: one chunk per batch).
 * - Memory: each chunk is one flat string of at most `chunkSize` characters plus the row that
 *   crosses it: a batch with more text than that (1024 rows from an async source) is cut into
 *   several chunks.
 *   The text held back lives in a buffer outside the JavaScript heap, one byte per character below
 *   U+0100 (a cell with a wider character, and the text before it, are held as strings). The
 *   buffer grows by doubling, so it is under twice the text it holds plus the room reserved for
 *   the cell being written (twice the cell's length when it needs quoting). It is released when
 *   the chunk is emitted, and the next chunk starts in a new buffer of `chunkSize` (at most 1 MiB)
 *   plus 4 KiB: a row wider than `chunkSize` goes out in a chunk as large, and the buffer it grew is not kept. formatCsv keeps nothing of a cell once its chunk
 *   is emitted, not even as the last string a RegExp matched.
 * - A synchronous stage, fused with its neighbours (no promise per batch); stateful per run. Errors surface when the offending row's batch is formatted; the
 *   text held back is dropped. Cancellation stops at the next batch.
 *
 * @example
 * ```ts doctest
 * const rows = [{ id: 1, name: 'Ada, Countess', joined: new Date(Date.UTC(1843, 6, 1)) }];
 * const csv = await from(rows).pipe(formatCsv({ columns: ['id', { key: 'name', header: 'Full name' }] })).toArray();
 * csv; // => ['id,Full name\n1,"Ada, Countess"\n']
 * ```
 */
export function formatCsv(options: FormatCsvOptions = {}): FusableStage<CsvRow, string> {
  validateObject(options, 'formatCsv(options)');
  validateKeys(options, OPTION_KEYS, 'formatCsv(options)');
  const columns = options.columns === undefined ? undefined : resolveColumns(options.columns);
  const delimiter =
    options.delimiter === undefined ? ',' : validateDelimiter(options.delimiter, 'formatCsv(options).delimiter');
  const eol = options.eol === undefined ? '\n' : validateEol(options.eol);
  const writerOptions = {
    keys: columns?.keys,
    headers: columns?.headers,
    header: options.header === undefined ? true : validateBoolean(options.header, 'formatCsv(options).header'),
    delimiter,
    eol,
    bom: options.bom === undefined ? false : validateBoolean(options.bom, 'formatCsv(options).bom'),
    escapeFormulas:
      options.escapeFormulas === undefined
        ? false
        : validateBoolean(options.escapeFormulas, 'formatCsv(options).escapeFormulas'),
  };
  const chunkSize =
    options.chunkSize === undefined ? 65_536 : validateInteger(options.chunkSize, 'formatCsv(options).chunkSize', 0);
  return defineSyncStage<CsvRow, string>('formatCsv', () => {
    const writer = new CsvRowWriter(writerOptions);
    // Room for a chunk and the row that crosses its end, so a buffer rarely grows.
    const text = new CsvText(delimiter, makeQuoter(delimiter), Math.min(chunkSize, 1 << 20) + 4096);
    return {
      push(batch, out) {
        // A chunk is cut as soon as it reaches chunkSize, inside a batch too: a batch holding more
        // text than a chunk (1024 rows from an async source) would otherwise grow the buffer and
        // go out as one larger chunk, which a response waiting on backpressure then holds.
        const until = chunkSize === 0 ? Infinity : chunkSize;
        for (let at = 0; at < batch.length; ) {
          at = writer.write(batch, text, at, until);
          if (text.length > 0 && text.length >= chunkSize) out.push(text.take());
        }
        return true;
      },
      flush(out) {
        writer.end(text);
        if (text.length > 0) out.push(text.take());
      },
    };
  });
}
