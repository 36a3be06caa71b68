import { randomBytes } from 'node:crypto';
import { renameSync, unlinkSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sink } from '@sluice/core';
import {
  chunkTypeError,
  defineBatchSink,
  onAbort,
  reportCleanupError,
  validateBoolean,
  validateInteger,
  validateKeys,
  validateObject,
} from '@sluice/core/kit';
import { validateEncoding, validatePath, type FilePath } from './path.js';

/** Options of `toFile()`. */
export interface ToFileOptions {
  /** `fsync` the file before renaming it into place, and its directory after. Default true. */
  readonly fsync?: boolean;
  /** Permissions of a created file (before the umask). Default `0o666`. */
  readonly mode?: number;
  /** Encoding of string chunks. Default `'utf8'`. */
  readonly encoding?: BufferEncoding;
}

function toBuffer(chunk: unknown, encoding: BufferEncoding): Uint8Array {
  if (typeof chunk === 'string') return Buffer.from(chunk, encoding);
  if (chunk instanceof Uint8Array) return chunk;
  throw chunkTypeError('toFile()', chunk);
}

/** Writes every byte of `buffers`, going on after a short write. */
async function writeAll(handle: FileHandle, buffers: Uint8Array[]): Promise<void> {
  const total = buffers.reduce((n, b) => n + b.byteLength, 0);
  let { bytesWritten } = await handle.writev(buffers);
  if (bytesWritten === total) return;
  const rest = Buffer.concat(buffers).subarray(bytesWritten);
  for (let offset = 0; offset < rest.byteLength; ) {
    ({ bytesWritten } = await handle.write(rest, offset));
    offset += bytesWritten;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    // Some platforms (Windows) cannot open or fsync a directory: durability is then the OS's.
    const code = (error as { code?: unknown }).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw error;
  } finally {
    await handle?.close();
  }
}

/**
 * A sink that writes the items (strings or bytes) to a file atomically: into a temporary file
 * beside the target, renamed over the target only when the run succeeded.
 *
 * Contract:
 * - The temporary file (`.<name>.<random>.tmp`, same directory, created exclusively) is opened
 *   before the first pull: a directory that does not exist fails the run before the source opens.
 * - Each batch is written in one `writev`; the next batch is pulled when it was written.
 * - Success: `fsync` (option, default true), close, rename over the target, `fsync` the
 *   directory. The target then holds the whole output, never a part of it.
 * - Failure or abort (even while a write is in flight): the temporary file is unlinked at once
 *   (synchronously, before the run settles) and its handle closed once the pending write
 *   returned; the target is untouched (an existing file keeps its content). An abort that
 *   comes after the rename cannot undo it.
 * - A chunk that is neither string nor `Uint8Array` fails the run with a coded `TypeError`.
 *   Cleanup errors reach the run's `onCleanupError` and `report.cleanupErrors` (outside a run, a
 *   `SLUICE_CLEANUP_ERROR` warning), never dropped.
 *
 * @example
 * ```ts doctest
 * import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 *
 * const dir = mkdtempSync(join(tmpdir(), 'sluice-example-'));
 * await from(['id,name\n', '1,Ada\n']).to(toFile(join(dir, 'out.csv')));
 * readFileSync(join(dir, 'out.csv'), 'utf8'); // => 'id,name\n1,Ada\n'
 * readdirSync(dir); // => ['out.csv']
 * rmSync(dir, { recursive: true });
 * ```
 */
export function toFile(path: FilePath, options: ToFileOptions = {}): Sink<string | Uint8Array, void> {
  const where = 'toFile(path, options)';
  validatePath(path, 'toFile(path)');
  validateObject(options, where);
  validateKeys(options, ['fsync', 'mode', 'encoding'], where);
  const fsync = options.fsync === undefined ? true : validateBoolean(options.fsync, `${where}.fsync`);
  const mode = options.mode === undefined ? 0o666 : validateInteger(options.mode, `${where}.mode`, 0, 0o7777);
  const encoding = validateEncoding(options.encoding, `${where}.encoding`) ?? 'utf8';
  const target = resolve(path instanceof URL ? fileURLToPath(path) : path.toString());

  return defineBatchSink<string | Uint8Array, void>('toFile', async (batches, { signal }) => {
    if (signal.aborted) throw signal.reason;
    const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
    let created = false;
    let removed = false;
    const removeTemp = () => {
      if (!created || removed) return;
      try {
        unlinkSync(temp);
        removed = true;
      } catch (error) {
        // Aborted while open() is still creating it: the catch below removes it once open returns.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        removed = true;
        reportCleanupError(signal, error, `the temporary file ${temp} (removing it)`);
      }
    };
    // Synchronous, so the temporary file is gone before the aborted run settles.
    const unlinkSignal = onAbort(signal, removeTemp);
    let handle: FileHandle | undefined;
    try {
      // Counted as ours from the moment it may exist: the name is random and opened exclusively.
      created = true;
      handle = await open(temp, 'wx', mode).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST') created = false; // someone else's file: never remove it
        throw error;
      });
      if (signal.aborted) throw signal.reason;
      const it = batches[Symbol.asyncIterator]();
      for (;;) {
        const r = await it.next();
        if (r.done) break;
        await writeAll(
          handle,
          r.value.map((chunk) => toBuffer(chunk, encoding)),
        );
        if (signal.aborted) throw signal.reason;
      }
      if (fsync) await handle.sync();
      const closing = handle;
      handle = undefined;
      await closing.close();
      if (signal.aborted) throw signal.reason;
      unlinkSignal();
      // Synchronous: no abort can slip in between the last check and the rename.
      renameSync(temp, target);
      removed = true;
      if (fsync) await syncDirectory(dirname(target));
    } catch (error) {
      removeTemp();
      if (handle)
        await handle
          .close()
          .catch((closeError: unknown) => reportCleanupError(signal, closeError, `the temporary file ${temp}`));
      throw error;
    } finally {
      unlinkSignal();
    }
  });
}
