import type { Buffer } from 'node:buffer';
import zlib from 'node:zlib';
import type { FusableStage } from '@sluice/core/kit';
import { optionsObject } from '@sluice/core/kit';
import { DEFAULT_COALESCE_SIZE } from './internal/coalesce.js';
import { ZLIB_RANGES, coalesceSizeOption, outputBufferSize, zlibOptions, zlibStage } from './internal/zlib-stage.js';

/** zlib settings `gunzip` passes through to `zlib.createGunzip`. */
export interface GunzipZlibOptions {
  /** Must be at least the compressor's window size (default 15, the maximum). */
  readonly windowBits?: number;
  /** Size of zlib's output buffers, in bytes (default: the stage's `chunkSize`, at most 1 MiB). */
  readonly chunkSize?: number;
}

/** Options of `gunzip`. */
export interface GunzipOptions {
  /**
   * The byte chunks of one input batch are coalesced into chunks of at least this many bytes
   * before they are written to zlib (default 65,536). Also the output batch size and, unless
   * `zlib.chunkSize` says otherwise, the size of zlib's output buffers.
   */
  readonly chunkSize?: number;
  /** Further zlib settings. */
  readonly zlib?: GunzipZlibOptions;
}

/**
 * Decompresses gzip bytes (one or more concatenated members) on Node's zlib.
 *
 * Contract:
 * - Input: `Uint8Array`s (Buffers); anything else fails with a coded `TypeError`.
 * - Output: `Buffer`s of the decompressed bytes, in order.
 * - Read-ahead: none across batches. The chunks of one input batch are coalesced, written, and
 *   their output is delivered before the next batch is pulled, so data never waits for more input.
 * - Backpressure: output is handed over in batches of about `chunkSize` bytes and zlib is paused
 *   while a batch waits for the consumer, so a small input that inflates hugely (a "zip bomb")
 *   does not fill memory.
 * - Errors: zlib's own error passes through unchanged: corrupt input rejects with `code:
 *   'Z_DATA_ERROR'` ("incorrect header check", "invalid stored block lengths", …), input that ends
 *   inside a member rejects with `code: 'Z_BUF_ERROR'` ("unexpected end of file"), never with
 *   silently truncated output. An input without a single byte gives no output (not an error,
 *   unlike `zlib.gunzipSync`): an empty body is nothing, not a cut-off member. Upstream errors
 *   pass through unchanged.
 * - Cancellation (abort, error, early exit) destroys the zlib stream, releasing its handle.
 *   Stateful per run; the factory is reusable.
 *
 * @example
 * ```ts doctest
 * const packed = zlib.gzipSync('hello\n');
 * const parts = await from([packed.subarray(0, 5), packed.subarray(5)]).pipe(gunzip()).toArray();
 * Buffer.concat(parts).toString(); // => 'hello\n'
 * ```
 */
export function gunzip(options: GunzipOptions = {}): FusableStage<Uint8Array, Buffer> {
  const opts = optionsObject(options, ['chunkSize', 'zlib'], 'gunzip(options)');
  const chunkSize = coalesceSizeOption(opts.chunkSize, 'gunzip(options).chunkSize', DEFAULT_COALESCE_SIZE);
  const settings = zlibOptions(opts.zlib, 'gunzip(options).zlib', {
    windowBits: ZLIB_RANGES.windowBits,
    chunkSize: ZLIB_RANGES.chunkSize,
  });
  settings.chunkSize ??= outputBufferSize(chunkSize);
  return zlibStage<Uint8Array>({
    name: 'gunzip',
    create: () => zlib.createGunzip(settings),
    chunkSize,
    acceptStrings: false,
    holdAcrossBatches: false,
    emptyInputIsEmpty: true,
  });
}
