import { CsvParseError } from './csv-errors.js';

/** What `cast` receives besides the text. One object per run, updated per call: read it right away. */
export interface CsvCastContext {
  /** The column's name (object records) or 0-based position (array records). */
  column: string | number;
  /** 0-based position of the field in its record. */
  index: number;
  /** 1-based line where the record starts. */
  line: number;
}

export interface CsvRecordOptions {
  /** The first record is a header row: it names the fields, or is skipped when `columns` names them. */
  readonly header: boolean;
  readonly columns: readonly string[] | undefined;
  readonly relaxColumnCount: boolean;
  readonly cast: ((value: string, ctx: CsvCastContext) => unknown) | undefined;
}

/** Turns the parser's field lists into records: takes the header, checks field counts, casts. */
export class CsvRecords {
  private names: readonly string[] | undefined;
  private protoKey = false;
  /** Fields per record; -1 until the names or the first record fix it. */
  private width = -1;
  private headerPending: boolean;
  private readonly castContext: CsvCastContext = { column: 0, index: 0, line: 0 };

  constructor(private readonly options: CsvRecordOptions) {
    this.headerPending = options.header;
    if (options.columns) this.useNames(options.columns, 1);
  }

  /** Takes the fields of the record that starts on `line`, appending the record (if any) to `out`. */
  accept(fields: string[], line: number, out: unknown[]): void {
    if (this.headerPending) {
      this.headerPending = false;
      if (!this.names) this.useNames(fields, line);
      return;
    }
    if (this.width === -1) this.width = this.names ? this.names.length : fields.length;
    if (fields.length !== this.width && !this.options.relaxColumnCount) {
      const per = this.names ? ' (one per column)' : ' (as many as the first record)';
      throw new CsvParseError(
        `parseCsv: the record starting here has ${fields.length} fields, expected ${this.width}${per}`,
        line,
        1,
      );
    }
    out.push(this.names ? this.toObject(fields, line) : this.toArray(fields, line));
  }

  private useNames(names: readonly string[], line: number): void {
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name))
        throw new CsvParseError(`parseCsv: the header names the column ${JSON.stringify(name)} twice`, line, 1);
      seen.add(name);
    }
    this.names = names;
    this.protoKey = seen.has('__proto__');
  }

  private toObject(fields: string[], line: number): Record<string, unknown> {
    const names = this.names as readonly string[];
    const cast = this.options.cast;
    const record: Record<string, unknown> = {};
    const count = Math.min(fields.length, names.length);
    const ctx = this.castContext;
    ctx.line = line;
    for (let k = 0; k < count; k++) {
      const name = names[k] as string;
      let value: unknown = fields[k];
      if (cast) {
        ctx.column = name;
        ctx.index = k;
        value = cast(value as string, ctx);
      }
      if (this.protoKey && name === '__proto__') {
        // Assigning `__proto__` would set the prototype instead of adding the field.
        Object.defineProperty(record, name, { value, enumerable: true, writable: true, configurable: true });
      } else {
        record[name] = value;
      }
    }
    return record;
  }

  private toArray(fields: string[], line: number): unknown[] {
    const cast = this.options.cast;
    if (!cast) return fields;
    const ctx = this.castContext;
    ctx.line = line;
    const out: unknown[] = new Array(fields.length);
    for (let k = 0; k < fields.length; k++) {
      ctx.column = k;
      ctx.index = k;
      out[k] = cast(fields[k] as string, ctx);
    }
    return out;
  }
}
