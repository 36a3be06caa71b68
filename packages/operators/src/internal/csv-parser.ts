import { CsvParseError } from './csv-errors.js';
import { CsvRecords, type CsvRecordOptions } from './csv-records.js';

export interface CsvParserOptions extends CsvRecordOptions {
  readonly delimiter: string;
  readonly skipEmptyLines: boolean;
  readonly maxRecordBytes: number;
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
/** A quote inside a quoted field: the next character says whether it was doubled or closed the field. */
const QUOTE_SEEN = 3;
/** A CR ended a field outside quotes: an LF must follow. */
const AFTER_CR = 4;

function nextLf(text: string, from: number): number {
  const at = text.indexOf('\n', from);
  return at === -1 ? text.length : at;
}

function describeChar(code: number): string {
  return code === QUOTE ? 'a quote' : `the character ${JSON.stringify(String.fromCharCode(code))}`;
}

/**
 * An incremental RFC 4180 parser: text goes in chunk by chunk, complete records come out. It
 * keeps only the record in progress between chunks, so where the text is split never changes
 * the result. Lines and columns are counted in UTF-16 code units, from 1.
 */
export class CsvParser {
  private state = FIELD_START;
  private fields: string[] = [];
  /** Text of the field in progress, when it started in an earlier chunk or holds a doubled quote. */
  private partial = '';
  private started = false;
  /** Absolute offset (in the whole text, BOM excluded) of the current chunk's first character. */
  private offset = 0;
  private line = 1;
  private lineStart = 0;
  private recordStart = 0;
  private recordLine = 1;
  private quoteLine = 0;
  private quoteColumn = 0;
  private crAt = 0;
  private readonly delimiter: number;
  private readonly records: CsvRecords;

  constructor(private readonly options: CsvParserOptions) {
    this.delimiter = options.delimiter.charCodeAt(0);
    this.records = new CsvRecords(options);
  }

  /** Parses a chunk, appending the records it completes to `out`. Throws `CsvParseError`. */
  push(text: string, out: unknown[]): void {
    if (!this.started) {
      if (text.length === 0) return;
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const n = text.length;
    const d = this.delimiter;
    let state = this.state;
    let i = 0;
    /** The first LF at or after where it was last looked for, so line counting inside quotes scans the chunk once. */
    let lf = -1;
    while (i < n) {
      if (state === FIELD_START) {
        if (text.charCodeAt(i) === QUOTE) {
          this.quoteLine = this.line;
          this.quoteColumn = this.columnOf(this.offset + i);
          state = QUOTED;
          i++;
          continue;
        }
        state = UNQUOTED;
      }
      if (state === UNQUOTED) {
        let j = i;
        let c = 0;
        for (; j < n; j++) {
          c = text.charCodeAt(j);
          if (c === d || c === LF || c === CR || c === QUOTE) break;
        }
        if (j === n) {
          this.partial += text.slice(i);
          i = n;
          break;
        }
        if (c === QUOTE)
          this.fail(
            'a quote inside an unquoted field (quote the whole field and double its quotes)',
            this.line,
            this.columnOf(this.offset + j),
          );
        this.fields.push(this.partial === '' ? text.slice(i, j) : this.partial + text.slice(i, j));
        this.partial = '';
        i = j + 1;
        state =
          c === d
            ? FIELD_START
            : c === LF
              ? this.endRecord(out, this.offset + j, this.offset + i)
              : this.sawCr(this.offset + j);
        continue;
      }
      if (state === QUOTED) {
        const j = text.indexOf('"', i);
        const stop = j === -1 ? n : j;
        if (lf < i) lf = nextLf(text, i);
        while (lf < stop) {
          this.line++;
          this.lineStart = this.offset + lf + 1;
          lf = nextLf(text, lf + 1);
        }
        this.partial += text.slice(i, stop);
        if (j === -1) break;
        i = j + 1;
        state = QUOTE_SEEN;
        continue;
      }
      const c = text.charCodeAt(i);
      if (state === QUOTE_SEEN) {
        if (c === QUOTE) {
          this.partial += '"';
          i++;
          state = QUOTED;
          continue;
        }
        if (c !== d && c !== LF && c !== CR) {
          this.fail(
            `${describeChar(c)} after the closing quote of a field (expected the delimiter or the end of the line)`,
            this.line,
            this.columnOf(this.offset + i),
          );
        }
        this.fields.push(this.partial);
        this.partial = '';
        i++;
        state =
          c === d
            ? FIELD_START
            : c === LF
              ? this.endRecord(out, this.offset + i - 1, this.offset + i)
              : this.sawCr(this.offset + i - 1);
        continue;
      }
      if (c !== LF)
        this.fail(
          'a carriage return not followed by a line feed outside a quoted field',
          this.line,
          this.columnOf(this.crAt),
        );
      i++;
      state = this.endRecord(out, this.crAt, this.offset + i);
    }
    this.state = state;
    this.offset += n;
    const held = (state === AFTER_CR ? this.crAt : this.offset) - this.recordStart;
    if (held > this.options.maxRecordBytes) this.tooLarge();
  }

  /** The input ended: completes the last record (a missing final line break is fine). */
  end(out: unknown[]): void {
    const state = this.state;
    if (state === QUOTED)
      this.fail(
        'the input ended inside a quoted field opened here (a closing quote is missing)',
        this.quoteLine,
        this.quoteColumn,
      );
    if (state === UNQUOTED || state === QUOTE_SEEN) {
      this.fields.push(this.partial);
      this.partial = '';
    } else if (state === FIELD_START && this.fields.length > 0) {
      this.fields.push('');
    }
    if (this.fields.length > 0) {
      const end = state === AFTER_CR ? this.crAt : this.offset;
      this.endRecord(out, end, this.offset);
    }
    this.state = FIELD_START;
  }

  private sawCr(at: number): number {
    this.crAt = at;
    return AFTER_CR;
  }

  private fail(message: string, line: number, column: number): never {
    throw new CsvParseError(`parseCsv: ${message}`, line, column);
  }

  /** The 1-based column of an absolute offset on the current line. */
  private columnOf(at: number): number {
    return at - this.lineStart + 1;
  }

  private tooLarge(): never {
    this.fail(
      `the record starting here is longer than maxRecordBytes (${this.options.maxRecordBytes}); is a closing quote missing?`,
      this.recordLine,
      1,
    );
  }

  /** A record ended at `end` (its terminator included up to `next`): emits it and starts the next one. */
  private endRecord(out: unknown[], end: number, next: number): number {
    const fields = this.fields;
    this.fields = [];
    const line = this.recordLine;
    const start = this.recordStart;
    if (end - start > this.options.maxRecordBytes) this.tooLarge();
    if (next > end) {
      this.line++;
      this.lineStart = next;
    }
    this.recordStart = next;
    this.recordLine = this.line;
    if (end === start && this.options.skipEmptyLines) return FIELD_START;
    this.records.accept(fields, line, out);
    return FIELD_START;
  }
}
