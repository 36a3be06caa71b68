import { SluiceTypeError } from '@sluice/core';

/** A file path as `node:fs` takes it. */
export type FilePath = string | Buffer | URL;

/** Throws a coded `TypeError` unless `path` is a non-empty string, a Buffer or a `file:` URL. */
export function validatePath(path: unknown, what: string): FilePath {
  const ok =
    (typeof path === 'string' && path.length > 0) ||
    Buffer.isBuffer(path) ||
    (path instanceof URL && path.protocol === 'file:');
  if (!ok) {
    throw new SluiceTypeError('ERR_SLUICE_INVALID_ARGUMENT', `${what} must be a non-empty string, a Buffer or a file: URL`);
  }
  return path as FilePath;
}
