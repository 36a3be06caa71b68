import type { SluiceErrorCode } from '@sluice/core';

/**
 * The coded errors of the CSV stages. Like every sluice error they carry a stable `name` and
 * `code`; check those (not `instanceof`) when the error may come from another copy of the package.
 */

/** Malformed CSV input: says where, with 1-based `line` and `column` (UTF-16 code units). */
export class CsvParseError extends Error {
  readonly code = 'ERR_SLUICE_CSV_PARSE' satisfies SluiceErrorCode;
  /** 1-based line of the input where the problem was found. */
  readonly line: number;
  /** 1-based column (in UTF-16 code units from the start of that line). */
  readonly column: number;
  constructor(message: string, line: number, column: number) {
    super(`${message} (line ${line}, column ${column})`);
    this.name = 'CsvParseError';
    this.line = line;
    this.column = column;
  }
}

/** A row `formatCsv` cannot write: says which row (0-based input index) and which column. */
export class CsvFormatError extends Error {
  readonly code = 'ERR_SLUICE_CSV_FORMAT' satisfies SluiceErrorCode;
  /** 0-based index of the row in the stage's input. */
  readonly row: number;
  /** The column's key (object rows) or 0-based position (array rows); undefined for row-level problems. */
  readonly column: string | number | undefined;
  constructor(message: string, row: number, column: string | number | undefined, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'CsvFormatError';
    this.row = row;
    this.column = column;
  }
}
