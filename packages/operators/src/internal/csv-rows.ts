import { describeValue } from '@sluice/core/kit';
import type { CsvText } from './csv-text.js';
import { cellText, escapeFormula, makeQuoter } from './csv-cell.js';
import { CsvFormatError } from './csv-errors.js';

/** The resolved options of one `formatCsv` stage. */
export interface CsvWriterOptions {
  /** Keys of the columns when the caller gave `columns`; their header cells beside them. */
  readonly keys: readonly string[] | undefined;
  readonly headers: readonly string[] | undefined;
  readonly header: boolean;
  readonly delimiter: string;
  readonly eol: string;
  readonly bom: boolean;
  readonly escapeFormulas: boolean;
}

/** Characters that can occur in `String(number)`: a delimiter among them forces numbers through the quoter. */
const NUMBER_CHARS = /[0-9.eE+\-InfityNa]/;

/** Characters of an ISO 8601 date (years 1000 to 9999). */
const DATE_CHARS = /[0-9\-T:.Z]/;

/**
 * Formats rows into CSV text, one call per batch, keeping what a run needs between batches: the
 * columns (given, or taken from the first row), whether the header was written, the row index.
 */
export class CsvRowWriter {
  private keys: readonly string[] | undefined;
  /** Cells per row; -1 until the first row (or `columns`) fixed it. */
  private width: number;
  /** The columns came from the first row's keys: later rows are checked for keys outside them. */
  private inferred = false;
  private keySet: Set<string> | undefined;
  private started = false;
  private index = 0;
  private readonly quote: (text: string) => string;
  private readonly quoteNumbers: boolean;
  /** An ISO 8601 date can be written as it is: the delimiter is none of its characters, and no formula escaping. */
  private readonly plainDates: boolean;

  constructor(private readonly options: CsvWriterOptions) {
    this.keys = options.keys;
    this.width = options.keys ? options.keys.length : -1;
    this.quote = makeQuoter(options.delimiter);
    this.quoteNumbers = NUMBER_CHARS.test(options.delimiter);
    this.plainDates = !options.escapeFormulas && !DATE_CHARS.test(options.delimiter);
  }

  /**
   * Formats the rows of a batch from `from` into `out` (the first call also writes the BOM and the
   * header row), stopping after the row that brings `out` to `until` characters. Returns the index
   * of the next row to write (`batch.length` when done). Throws `CsvFormatError`.
   */
  write(batch: readonly unknown[], out: CsvText, from = 0, until = Infinity): number {
    if (batch.length === 0) return 0;
    if (!this.started) out.raw(this.begin(batch[0]));
    const { delimiter, eol } = this.options;
    for (let r = from; r < batch.length; r++) {
      const row = batch[r];
      const index = this.index++;
      if (Array.isArray(row)) {
        if (row.length !== this.width) {
          throw new CsvFormatError(
            `formatCsv: row ${index} has ${row.length} cells, expected ${this.width} (one per column)`,
            index,
            undefined,
          );
        }
        for (let c = 0; c < row.length; c++) {
          if (c > 0) out.raw(delimiter);
          this.cell(row[c], index, c, out);
        }
      } else if (typeof row === 'object' && row !== null) {
        const keys = this.keys;
        if (keys === undefined) {
          throw new CsvFormatError(
            `formatCsv: row ${index} is an object, but the first row was an array, so there are no column keys; pass columns`,
            index,
            undefined,
          );
        }
        const record = row as Record<string, unknown>;
        const own = this.inferred ? this.checkKeys(record, index) : true;
        for (let c = 0; c < keys.length; c++) {
          const key = keys[c] as string;
          let value = own || Object.hasOwn(record, key) ? record[key] : undefined;
          // A column the row lacks is empty, even when Object.prototype has that name (constructor, toString…).
          if (
            typeof value === 'function' &&
            value === (Object.prototype as Record<string, unknown>)[key] &&
            !Object.hasOwn(record, key)
          ) {
            value = undefined;
          }
          if (c > 0) out.raw(delimiter);
          this.cell(value, index, key, out);
        }
      } else {
        throw new CsvFormatError(
          `formatCsv: row ${index} is ${describeValue(row)}, expected an object or an array`,
          index,
          undefined,
        );
      }
      out.raw(eol);
      if (out.length >= until) return r + 1;
    }
    return batch.length;
  }

  /** What is still owed at the end: the BOM and header of an input without rows, when `columns` named them. */
  end(out: CsvText): void {
    if (!this.started && this.keys !== undefined) out.raw(this.begin(undefined));
  }

  private cell(value: unknown, row: number, column: string | number, out: CsvText): void {
    if (typeof value === 'string') {
      out.cell(this.options.escapeFormulas ? escapeFormula(value) : value);
      return;
    }
    if (typeof value === 'number' && !this.quoteNumbers) {
      out.number(value);
      return;
    }
    if (value === undefined || value === null) return;
    if (this.plainDates && value instanceof Date && !Number.isNaN(value.getTime())) {
      out.iso(value);
      return;
    }
    const text = cellText(value, row, column);
    if (typeof value === 'number' || typeof value === 'bigint') out.cell(text);
    else out.cell(this.options.escapeFormulas ? escapeFormula(text) : text);
  }

  /** Fixes the columns from the first row when `columns` was not given; returns BOM and header. */
  private begin(first: unknown): string {
    this.started = true;
    if (this.keys === undefined && typeof first === 'object' && first !== null) {
      if (Array.isArray(first)) {
        this.width = first.length;
      } else {
        this.keys = Object.keys(first);
        this.width = this.keys.length;
        this.inferred = true;
        this.keySet = new Set(this.keys);
      }
      if (this.width === 0) {
        throw new CsvFormatError('formatCsv: row 0 has no fields, so it cannot define the columns', 0, undefined);
      }
    }
    let text = this.options.bom ? '\uFEFF' : '';
    const headers = this.options.headers ?? (this.inferred ? this.keys : undefined);
    if (this.options.header && headers !== undefined) {
      const cells = headers.map((h) => this.quote(this.options.escapeFormulas ? escapeFormula(h) : h));
      text += cells.join(this.options.delimiter) + this.options.eol;
    }
    return text;
  }

  /**
   * Rejects an object with a key outside the columns taken from the first row, so no data is
   * dropped silently. Returns whether the row has exactly those keys (then reads need no own-check).
   */
  private checkKeys(record: Record<string, unknown>, index: number): boolean {
    const keys = this.keys as readonly string[];
    const own = Object.keys(record);
    let same = own.length === keys.length;
    for (let i = 0; same && i < own.length; i++) same = own[i] === keys[i];
    if (same) return true;
    for (const key of own) {
      if (!(this.keySet as Set<string>).has(key)) {
        throw new CsvFormatError(
          `formatCsv: row ${index} has the field ${JSON.stringify(key)}, which is not a column (the columns came from row 0: ${keys.join(', ')}); pass columns to choose the fields`,
          index,
          key,
        );
      }
    }
    return false;
  }
}
