import type { Pipeline } from '@sluice/core';
import { SluiceTypeError } from '@sluice/core';
import { validateObject } from '@sluice/core/kit';
import { bodyChunks, type BodyChunk } from '../internal/web-chunks.js';
import { assertPipeline, pullStream, validateRunOptions } from '../internal/web-readable.js';
import type { ToReadableStreamOptions } from './to-readable-stream.js';

/**
 * Makes a fetch-style `Response` whose body is the pipeline, for servers that take a
 * `Request → Response` handler (Bun, Deno, Hono, Next.js route handlers, service workers).
 *
 * *Contract*
 * - The body is `toReadableStream` over the pipeline: lazy (the source opens when the server
 *   reads the body), one item per read, no read-ahead beyond the source's batch.
 * - Items must be strings (sent as UTF-8; a surrogate pair split across two chunks is kept
 *   whole) or `Uint8Array`s; anything else errors the body with a coded `TypeError` and releases
 *   the source. Empty chunks are skipped.
 * - When the client goes away the server cancels the body: the run is aborted and the source
 *   released. Run errors error the body (the server then drops the connection).
 * - `init` is the `Response`'s (status, headers); `options` are the run's (`signal`, `timeout`, …).
 *
 * @example
 * ```ts doctest
 * const response = toResponse(from(['id,name\n', '1,Ada\n']), { headers: { 'content-type': 'text/csv' } });
 * response.headers.get('content-type'); // => 'text/csv'
 * await response.text(); // => 'id,name\n1,Ada\n'
 * ```
 */
export function toResponse(
  pipeline: Pipeline<BodyChunk>,
  init: ResponseInit = {},
  options: ToReadableStreamOptions = {},
): Response {
  assertPipeline(pipeline, 'toResponse(pipeline)');
  validateObject(init, 'toResponse(pipeline, init)');
  const runOptions = validateRunOptions(options, 'toResponse(pipeline, init, options)');
  if (typeof Response !== 'function') {
    throw new SluiceTypeError('ERR_SLUICE_INVALID_ARGUMENT', 'toResponse(): this runtime has no global Response');
  }
  const body = pullStream(pipeline.pipe(bodyChunks('toResponse()', true)), runOptions).stream;
  return new Response(body, init);
}
