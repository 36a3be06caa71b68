import { SluiceTypeError } from '@sluice/core';
import { describeValue } from '@sluice/core/kit';

/** A quoted identifier; `schema.table` is quoted part by part. */
export function quoteName(name: string): string {
  return name
    .split('.')
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join('.');
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** One value in COPY's text format: `\N` for null, the separators and backslash escaped. */
function copyValue(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') text = String(value);
  else if (value instanceof Date) text = value.toISOString();
  // bytea's hex form, whose backslash is itself escaped below.
  else if (value instanceof Uint8Array)
    text = `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  else text = JSON.stringify(value);
  return text.replace(/[\\\n\r\t]/g, (c) => ESCAPES[c]!);
}

/** A row (an object keyed by column, or an array in column order) as one line of COPY text. */
export function copyLine(row: unknown, columns: readonly string[]): string {
  if (typeof row !== 'object' || row === null) {
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_ARGUMENT',
      `toPostgres() takes rows as objects or arrays, got ${describeValue(row)}`,
    );
  }
  const cells = Array.isArray(row)
    ? columns.map((_, i) => copyValue(row[i]))
    : columns.map((c) => copyValue((row as Record<string, unknown>)[c]));
  return `${cells.join('\t')}\n`;
}
