import { SluiceTypeError } from '@sluice/core';
import { describeValue, hasShape } from '@sluice/core/kit';

/** A file path as `node:fs` takes it. */
export type FilePath = string | Buffer | URL;

/** Throws a coded `TypeError` unless `path` is a non-empty string, a Buffer or a `file:` URL. */
export function validatePath(path: unknown, what: string): FilePath {
  const ok = hasShape(
    () =>
      (typeof path === 'string' && path.length > 0) ||
      Buffer.isBuffer(path) ||
      (path instanceof URL && path.protocol === 'file:'),
  );
  if (!ok) {
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_ARGUMENT',
      `${what} must be a non-empty string, a Buffer or a file: URL`,
    );
  }
  return path as FilePath;
}

/** A `Buffer` encoding name, or undefined for none; anything else throws a coded `TypeError` naming `what`. */
export function validateEncoding(value: unknown, what: string): BufferEncoding | undefined {
  if (value === undefined || (typeof value === 'string' && Buffer.isEncoding(value))) return value;
  throw new SluiceTypeError(
    'ERR_SLUICE_INVALID_OPTION',
    `${what} must be a Buffer encoding such as 'utf8', got ${describeValue(value)}`,
  );
}
