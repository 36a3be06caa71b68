import { open, type FileHandle } from 'node:fs/promises';
import { fromResource, type Pipeline } from '@sluice/core';
import {
  raceSignal,
  validateBoolean,
  validateInteger,
  validateKeys,
  validateObject,
  validateSignal,
} from '@sluice/core/kit';
import { splitLines } from '@sluice/operators';
import { ChunkText } from './file-text.js';
import { validateEncoding, validatePath, type FilePath } from './path.js';

/** Options of `fromFile()`. */
export interface FromFileOptions {
  /** Emit the file's lines (strings without `\n` / `\r\n`) instead of chunks. Default false. */
  readonly lines?: boolean;
  /** Decode chunks (or lines) with this encoding. Default: Buffers, or `'utf8'` with `lines`. */
  readonly encoding?: BufferEncoding;
  /** Bytes read per pull. Default 65536. */
  readonly highWaterMark?: number;
  /** Aborting it fails every run reading the file with `signal.reason`. */
  readonly signal?: AbortSignal;
}

const DEFAULT_HIGH_WATER_MARK = 64 * 1024;

interface OpenFile {
  readonly handle: FileHandle;
  readonly text: ChunkText | undefined;
  eof: boolean;
}

/** Reads the next chunk; null at the end of the file. */
async function readChunk(file: OpenFile, size: number, signal: AbortSignal | undefined): Promise<Buffer | null> {
  const buffer = Buffer.allocUnsafe(size);
  const { bytesRead } = await raceSignal(file.handle.read(buffer, 0, size, null), signal);
  return bytesRead === 0 ? null : buffer.subarray(0, bytesRead);
}

/** The next item: a chunk or, decoding, its text (reading on past chunks that decode to nothing). */
async function readItem(
  file: OpenFile,
  size: number,
  signal: AbortSignal | undefined,
): Promise<Buffer | string | null> {
  for (;;) {
    if (file.eof) return null;
    const chunk = await readChunk(file, size, signal);
    if (chunk === null) file.eof = true;
    if (!file.text) return chunk;
    const text = chunk === null ? file.text.end() : file.text.decode(chunk);
    if (text.length > 0) return text;
  }
}

/**
 * Starts a pipeline that reads a file: Buffers, decoded strings (`encoding`), or lines (`lines: true`).
 *
 * Contract:
 * - Lazy: the file is opened on the first pull of each run (every run reads it anew), never
 *   under an aborted signal; closed exactly once — as soon as its end was read (before the last
 *   items reach the consumer), or on error, abort or early exit.
 * - Read-ahead: one `highWaterMark`-sized read per pull; in `lines` mode, the lines that read
 *   completed and the unterminated rest of one line.
 * - Text is decoded in streaming mode (a character split across reads stays whole), a leading
 *   byte order mark is dropped. `lines` mode is the decoded text piped through `splitLines()`:
 *   lines without `\n` / `\r\n`, the last one emitted even without a final newline, in time
 *   linear in the file's size however long its lines; a line past 1 MiB characters fails the run
 *   with splitLines' `LineTooLongError` (`code: 'ERR_SLUICE_LINE_TOO_LONG'`, `line`). In a run's
 *   report, `source.items` then counts the text chunks read, and the `splitLines` stage's
 *   `itemsOut` the lines.
 * - Errors (`ENOENT`, `EISDIR`, …) fail the run unchanged; `options.signal` fails it with its reason.
 * - Options are validated at call time (coded `TypeError`/`RangeError`).
 *
 * @example
 * ```ts doctest
 * import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 *
 * const dir = mkdtempSync(join(tmpdir(), 'sluice-example-'));
 * writeFileSync(join(dir, 'people.csv'), 'id,name\n1,Ada\n');
 * await fromFile(join(dir, 'people.csv'), { lines: true }).toArray(); // => ['id,name', '1,Ada']
 * rmSync(dir, { recursive: true });
 * ```
 */
export function fromFile(path: FilePath, options: FromFileOptions & { readonly lines: true }): Pipeline<string>;
export function fromFile(
  path: FilePath,
  options: FromFileOptions & { readonly encoding: BufferEncoding },
): Pipeline<string>;
export function fromFile(path: FilePath, options?: FromFileOptions): Pipeline<Buffer>;
export function fromFile(path: FilePath, options: FromFileOptions = {}): Pipeline<Buffer | string> {
  const where = 'fromFile(path, options)';
  validatePath(path, 'fromFile(path)');
  validateObject(options, where);
  validateKeys(options, ['lines', 'encoding', 'highWaterMark', 'signal'], where);
  const lines = options.lines === undefined ? false : validateBoolean(options.lines, `${where}.lines`);
  const encoding = validateEncoding(options.encoding, `${where}.encoding`) ?? (lines ? 'utf8' : undefined);
  const size =
    options.highWaterMark === undefined
      ? DEFAULT_HIGH_WATER_MARK
      : validateInteger(options.highWaterMark, `${where}.highWaterMark`, 1);
  const signal = options.signal === undefined ? undefined : validateSignal(options.signal, `${where}.signal`);
  const source = fromResource<OpenFile, Buffer | string>({
    name: 'fromFile',
    open: async () => {
      if (signal?.aborted) throw signal.reason;
      const handle = await open(path, 'r');
      const text = encoding === undefined ? undefined : new ChunkText(encoding);
      return { handle, text, eof: false };
    },
    read: async (file) => {
      const item = await readItem(file, size, signal);
      // A file is done when its end was read: close it before the last item goes downstream.
      return item === null ? null : { items: [item], last: file.eof };
    },
    close: (file) => file.handle.close(),
  });
  return lines ? source.pipe(splitLines()) : source;
}
