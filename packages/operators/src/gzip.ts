import type { Buffer } from 'node:buffer';
import zlib from 'node:zlib';
import { optionsObject, validateInteger, type FusableStage } from '@sluice/core/kit';
import { ZLIB_RANGES, coalesceSizeOption, outputBufferSize, zlibOptions, zlibStage } from './internal/zlib-stage.js';

/** zlib settings `gzip` passes through to `zlib.createGzip`. */
export interface GzipZlibOptions {
  readonly memLevel?: number;
  readonly strategy?: number;
  readonly windowBits?: number;
  /** Size of zlib's output buffers, in bytes (default: the stage's `chunkSize`, at most 1 MiB). */
  readonly chunkSize?: number;
}

/**
 * Every write to zlib is a round trip to the thread pool and back to the main thread: measured on
 * CSV → gzip → file (bench/csv-gzip.mjs), 64 KiB writes cost 1.24–1.35× gzip of the same bytes at
 * once, 256 KiB 1.22×, 1 MiB 1.03×. 256 KiB keeps most of the gain at a quarter of the memory.
 */
const DEFAULT_GZIP_CHUNK = 256 * 1024;

/** Options of `gzip`. */
export interface GzipOptions {
  /** Compression level, -1 (zlib's default, 6) or 0 (none) to 9 (smallest). */
  readonly level?: number;
  /**
   * Input is coalesced into chunks of at least this many bytes (code units for strings) before
   * it is written to zlib (default 262,144: see `DEFAULT_GZIP_CHUNK`). Also the output batch size and, unless `zlib.chunkSize`
   * says otherwise, the size of zlib's output buffers. Larger (e.g. 1 MiB) is faster when the main
   * thread is busy producing the input, at the cost of that much memory per run.
   */
  readonly chunkSize?: number;
  /** Further zlib settings. */
  readonly zlib?: GzipZlibOptions;
}

/**
 * Compresses strings (as UTF-8) and bytes into one gzip stream, on Node's zlib.
 *
 * Contract:
 * - Output: `Buffer`s that together form one gzip member (readable by `gunzip`, `zlib.gunzipSync`,
 *   browsers). Chunk boundaries depend on zlib, not on how the input was chunked.
 * - Read-ahead: small inputs are held until `chunkSize` units are gathered (writing one small
 *   chunk per row to zlib is an order of magnitude slower); at most one coalesced chunk is inside
 *   zlib while the next is gathered. So up to about 2 × `chunkSize` of input is pulled before
 *   any output, and zlib itself holds data until it completes a block.
 * - Backpressure: zlib's output is handed over in batches of about `chunkSize` bytes; zlib is
 *   paused while a batch waits for the consumer.
 * - Errors: a chunk that is neither string nor bytes fails with a coded `TypeError`; zlib errors
 *   and upstream errors pass through unchanged.
 * - Cancellation (abort, error, early exit) destroys the zlib stream, releasing its handle.
 *   Stateful per run; the factory is reusable.
 *
 * @example
 * ```ts doctest
 * const parts = await from(['id,name\n', '1,Ada\n']).pipe(gzip({ level: 9 })).toArray();
 * zlib.gunzipSync(Buffer.concat(parts)).toString(); // => 'id,name\n1,Ada\n'
 * ```
 */
export function gzip(options: GzipOptions = {}): FusableStage<string | Uint8Array, Buffer> {
  const opts = optionsObject(options, ['level', 'chunkSize', 'zlib'], 'gzip(options)');
  const [minLevel, maxLevel] = ZLIB_RANGES.level;
  const level =
    opts.level === undefined ? undefined : validateInteger(opts.level, 'gzip(options).level', minLevel, maxLevel);
  const chunkSize = coalesceSizeOption(opts.chunkSize, 'gzip(options).chunkSize', DEFAULT_GZIP_CHUNK);
  const { memLevel, strategy, windowBits, chunkSize: outputChunk } = ZLIB_RANGES;
  const settings = zlibOptions(opts.zlib, 'gzip(options).zlib', {
    memLevel,
    strategy,
    windowBits,
    chunkSize: outputChunk,
  });
  if (level !== undefined) settings.level = level;
  settings.chunkSize ??= outputBufferSize(chunkSize);
  return zlibStage<string | Uint8Array>({
    name: 'gzip',
    create: () => zlib.createGzip(settings),
    chunkSize,
    acceptStrings: true,
    holdAcrossBatches: true,
    emptyInputIsEmpty: false,
  });
}
