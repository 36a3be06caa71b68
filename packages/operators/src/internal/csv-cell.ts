import { CsvFormatError } from './csv-errors.js';

/** Turns one JavaScript value into the text of one CSV cell (before quoting). */

const QUOTE = /"/g;

/** First characters a spreadsheet reads as the start of a formula (with the full-width forms Apple Numbers folds). */
const FORMULA_START = new Set(['=', '+', '-', '@', '\t', '\r', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20']);

/**
 * A match of the empty string. V8 keeps the subject of the last successful RegExp match reachable
 * (`RegExp.input`, `RegExp.lastMatch`) until another RegExp matches: after quoting a cell, this
 * match lets go of it, or a wide cell would outlive its run.
 */
const FORGET = /(?:)/;

/**
 * Quotes a cell when it holds the delimiter, a quote, CR or LF (RFC 4180), doubling the quotes;
 * also when it starts with U+FEFF, which a reader would strip as a byte order mark at the start of a file.
 */
export function makeQuoter(delimiter: string): (text: string) => string {
  const special = new RegExp(`^\uFEFF|[${delimiter.replace(/[\\\]^-]/g, '\\$&')}"\\r\\n]`);
  return (text) => {
    if (!special.test(text)) return text;
    // A RegExp replace builds one flat string; replaceAll() with a string would build a rope of a
    // piece per quote.
    const quoted = `"${text.indexOf('"') === -1 ? text : text.replace(QUOTE, '""')}"`;
    FORGET.test('');
    return quoted;
  };
}

/** Prefixes a single quote to text a spreadsheet would run as a formula. */
export function escapeFormula(text: string): string {
  return text.length > 0 && FORMULA_START.has(text[0] as string) ? `'${text}` : text;
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : `${i}`));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => `${i}`.padStart(3, '0'));

/** `date.toISOString()` for a valid Date, about three times faster for years 1000 to 9999 (V8's is slow). */
export function isoString(date: Date): string {
  const year = date.getUTCFullYear();
  if (year < 1000 || year > 9999) return date.toISOString();
  return `${year}-${TWO_DIGITS[date.getUTCMonth() + 1]}-${TWO_DIGITS[date.getUTCDate()]}T${TWO_DIGITS[date.getUTCHours()]}:${
    TWO_DIGITS[date.getUTCMinutes()]
  }:${TWO_DIGITS[date.getUTCSeconds()]}.${THREE_DIGITS[date.getUTCMilliseconds()]}Z`;
}

function fail(what: string, row: number, column: string | number, cause?: unknown): never {
  const where = typeof column === 'number' ? `cell ${column}` : `column ${JSON.stringify(column)}`;
  const message = `formatCsv: cannot write ${where} of row ${row}: ${what}`;
  throw new CsvFormatError(message, row, column, cause === undefined ? undefined : { cause });
}

/**
 * The text of a value that is not a string or a number: null and undefined are empty, booleans
 * `true`/`false`, bigints their digits, a Date its ISO 8601 form, other objects and arrays their
 * JSON. A string is returned as it is (quoting and formula escaping are the caller's).
 */
export function cellText(value: unknown, row: number, column: string | number): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'bigint':
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return '';
    case 'function':
      return fail(`a function (${value.name || 'anonymous'}) has no CSV form`, row, column);
    case 'symbol':
      return fail(`a symbol (${String(value)}) has no CSV form`, row, column);
    default:
      break;
  }
  if (value === null) return '';
  if (value instanceof Date) {
    const time = value.getTime();
    if (Number.isNaN(time)) return fail('an invalid Date has no ISO 8601 form', row, column);
    return isoString(value);
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return fail(`the object cannot be written as JSON (${reason})`, row, column, error);
  }
  return json ?? fail('the object has no JSON form (its toJSON returned undefined)', row, column);
}
