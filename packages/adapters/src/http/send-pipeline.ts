import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Pipeline, RunOptions, RunReport } from '@sluice/core';
import { HeadersSentError } from '../internal/errors.js';
import { resolveOptions } from '../internal/http-options.js';
import { Sender } from '../internal/http-sender.js';
import { assertPipeline } from '../internal/web-readable.js';
import type { BodyChunk } from '../internal/web-chunks.js';
import { assertRequest, assertResponse } from './request-signal.js';

/** How a response ended; decided by who stopped it (state), never by an error's name. */
export type SendOutcome =
  /** Every byte was handed to the OS and the response finished. */
  | 'completed'
  /** The client left (or someone destroyed `res`) before the response finished. */
  | 'client-gone'
  /** The `timeout` elapsed: the run was torn down, the client got a 503 or a broken transfer. */
  | 'timed-out'
  /** The caller's `signal` was aborted: as for `timed-out`. */
  | 'aborted'
  /** The pipeline threw: the client got an error status or a broken transfer; the promise rejects. */
  | 'failed'
  /** Someone else ended the response (a framework timeout's `res.end()`) or `res` emitted an error. */
  | 'destination-closed';

/** Options of `sendPipeline`; all optional. */
export interface SendPipelineOptions {
  /** Status of a successful response, 200–299 except 204/205. Default 200. */
  readonly status?: number;
  /** The `Content-Type` header. */
  readonly contentType?: string;
  /**
   * Sends `Content-Disposition: attachment` with this name (RFC 6266, written by jshttp's
   * content-disposition): a non-ASCII name goes out as `filename*` (UTF-8, RFC 8187) with an ASCII
   * `filename` fallback whose other characters are `?`.
   */
  readonly filename?: string;
  /** More headers, set with the first byte (after the ones set on `res` before the call). */
  readonly headers?: Readonly<Record<string, string | number | readonly string[]>>;
  /**
   * `true`: gzip when `Accept-Encoding` prefers it to identity (negotiated by jshttp's negotiator:
   * q-values, `*`, a tie goes to gzip; `x-gzip` alone is not taken as gzip); `'auto'`: also only
   * for content types mime-db marks compressible (jshttp's compressible; NDJSON too) and when no
   * `Content-Encoding` is set; `false` (default): never. Both negotiating modes add
   * `Accept-Encoding` to `Vary` (jshttp's vary: kept as is when it is `*` or already there).
   */
  readonly gzip?: 'auto' | boolean;
  /** Milliseconds for the whole response: the run is torn down (source released) when it elapses. */
  readonly timeout?: number;
  /** Aborting it tears the run down like the timeout does. */
  readonly signal?: AbortSignal;
  /** Called with the report before the promise settles, for every outcome (failures included). */
  readonly onReport?: (report: SendReport) => void;
  /**
   * The run's progress while the response is sent (`RunOptions.onProgress`): `items` and `bytes`
   * are the body chunks and bytes written (after gzip), `source` the rows read.
   */
  readonly onProgress?: RunOptions['onProgress'];
  /** Milliseconds between two `onProgress` calls (default 1000). */
  readonly progressInterval?: number;
}

/** What happened to a response sent by `sendPipeline`. */
export interface SendReport {
  readonly outcome: SendOutcome;
  /** Why it did not complete: `ClientGoneError`, `DestinationClosedError`, the `TimeoutError`, the signal's reason, the pipeline's error. */
  readonly error?: unknown;
  /** Whether the status line and headers went out. */
  readonly headersSent: boolean;
  /** The status the client got, or 0 when none was sent. */
  readonly status: number;
  readonly encoding: 'gzip' | 'identity';
  /** Body bytes handed to `res` (compressed bytes under gzip). */
  readonly bytes: number;
  /** Body chunks the pipeline produced and `res` took (consecutive strings go out joined, in writes of about 16 K characters). */
  readonly chunks: number;
  /** The run's own report: the source's lifetime, per-stage counts, cleanup errors. */
  readonly run: RunReport;
}

/**
 * Streams a pipeline of strings or bytes as the body of an HTTP response, and reports how it ended.
 *
 * *Contract*
 * - Validates at call time and throws (the source is never opened): a coded `TypeError` for a
 *   `req`/`res` that is not a request/response, a pipeline that is not one, or bad options; a
 *   `HeadersSentError` (`ERR_SLUICE_HEADERS_SENT`) when `res.headersSent` is already true.
 * - Lazy and client-aware: when the client is already gone (`res` destroyed) or the signal is
 *   already aborted, the source is never opened. One run, one signal, aborted by whichever comes
 *   first: the client leaving (`res` `'close'` without finish — never `req` `'close'` — or, seen
 *   before that event and even while a synchronous source never lets the event loop turn, its
 *   socket errored or destroyed by a failed write, or a write callback's error), someone
 *   else's `res.end()`/`res.destroy()`, `res` `'error'`, the caller's `signal`, the `timeout`.
 *   Abort tears the whole chain down at once (the source is released), even while a stage or the
 *   drain wait is stuck.
 * - Status and headers go out with the first byte, so an error before it is answered properly:
 *   the error's own `status`/`statusCode` (a 4xx/5xx number) or 500 for a failure, 503 for a
 *   timeout or abort, with a short plain-text body (the reason phrase, or a 4xx error's message;
 *   never a stack). After the first byte `res` is destroyed: the client sees a broken transfer,
 *   never a truncated 200.
 * - Backpressure: it writes until `res.write()` returns false, then waits for `'drain'` (raced
 *   against close, finish, error and the signal, listeners removed) before pulling again: the
 *   bytes buffered in user space stay within `res.writableHighWaterMark` plus one batch's write.
 * - Consecutive string chunks (a CSV row each) are joined into writes of about 16 K characters:
 *   one chunked-encoding frame per write rather than per row.
 * - Under gzip about 64 KiB of input is gathered per zlib write (zlib holds that much before it
 *   emits a block anyway); `node:zlib` is loaded only when a response is actually compressed.
 * - `HEAD`: headers only; the source is never opened.
 * - Settles after the response ended (`'finish'` or `'close'`), with every listener it added on
 *   `res` and the signal removed. Resolves with a `SendReport` for `completed`, `client-gone`,
 *   `destination-closed`, `timed-out` and `aborted` (things that happen to a healthy server);
 *   rejects with the pipeline's own error, unchanged, for `failed` (catch it to log it), after
 *   calling `onReport` with the report.
 *
 * @example
 * ```ts doctest
 * import { once } from 'node:events';
 * import http from 'node:http';
 * import type { AddressInfo } from 'node:net';
 *
 * const outcomes: string[] = [];
 * const server = http.createServer((req, res) => {
 *   const rows = from(['id,name\n', '1,Ada\n', '2,Grace\n']);
 *   sendPipeline(req, res, rows, { contentType: 'text/csv', filename: 'people.csv', gzip: 'auto', timeout: 30_000 })
 *     .then((report) => outcomes.push(report.outcome), (error) => console.error('export failed', error));
 * });
 * await once(server.listen(0, '127.0.0.1'), 'listening');
 * const { port } = server.address() as AddressInfo;
 * const response = await fetch(`http://127.0.0.1:${port}/people.csv`); // fetch accepts gzip and unzips
 * response.headers.get('content-encoding'); // => 'gzip'
 * response.headers.get('content-disposition'); // => 'attachment; filename=people.csv'
 * await response.text(); // => 'id,name\n1,Ada\n2,Grace\n'
 * await new Promise((closed) => server.close(closed));
 * outcomes; // => ['completed']
 * ```
 */
export function sendPipeline(
  req: IncomingMessage,
  res: ServerResponse,
  pipeline: Pipeline<BodyChunk>,
  options: SendPipelineOptions = {},
): Promise<SendReport> {
  assertRequest(req, 'sendPipeline(req, res, pipeline)');
  assertResponse(res, 'sendPipeline(req, res, pipeline)');
  assertPipeline(pipeline, 'sendPipeline(req, res, pipeline)');
  const plan = resolveOptions(req, res, options);
  if (res.headersSent) throw new HeadersSentError();
  return new Sender(req, res, pipeline, plan).send();
}
