import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES, validateHeaderName, validateHeaderValue } from 'node:http';
import compressible from 'compressible';
import { create as createDisposition } from 'content-disposition';
import Negotiator from 'negotiator';
import { append as appendVary } from 'vary';
import { SluiceRangeError, SluiceTypeError, type RunOptions } from '@sluice/core';
import {
  describeValue,
  validateFunction,
  validateInteger,
  validateKeys,
  validateObject,
  validateSignal,
  validateRunOptions,
  validateTimeout,
} from '@sluice/core/kit';
import type { SendPipelineOptions, SendReport } from '../http/send-pipeline.js';

/** sendPipeline's options, checked and resolved against the request at call time. */
export interface SendPlan {
  readonly status: number;
  /** Headers to set when the first byte goes out (content type, disposition, encoding, vary, the caller's). */
  readonly headers: ReadonlyArray<readonly [string, string | number | readonly string[]]>;
  readonly gzip: boolean;
  readonly timeout: number | undefined;
  readonly signal: AbortSignal | undefined;
  readonly onReport: ((report: SendReport) => void) | undefined;
  /** onProgress and progressInterval, handed to the run as they are. */
  readonly progress: Pick<RunOptions, 'onProgress' | 'progressInterval'>;
}

const OPTIONS = [
  'status',
  'contentType',
  'filename',
  'headers',
  'gzip',
  'timeout',
  'signal',
  'onReport',
  'onProgress',
  'progressInterval',
] as const;
const WHERE = 'sendPipeline(req, res, pipeline, options)';

function header(name: string, value: unknown, where: string): void {
  try {
    validateHeaderName(name);
    validateHeaderValue(name, value as string);
  } catch (error) {
    throw new SluiceTypeError('ERR_SLUICE_INVALID_OPTION', `${where}: ${(error as Error).message}`);
  }
}

/**
 * `attachment` with the file name (RFC 6266), by jshttp's content-disposition: a quoted ASCII
 * `filename` every client reads, plus `filename*` in UTF-8 (RFC 8187) when the name is not plain
 * ASCII or holds a percent sequence a client could decode.
 */
export function contentDisposition(filename: string): string {
  return createDisposition(filename);
}

/**
 * True when negotiation over `gzip` and `identity` picks gzip (negotiator: q-values, `*`,
 * `identity;q=0`; a tie goes to gzip). No header means identity, as browsers always send one.
 */
export function acceptsGzip(acceptEncoding: string | string[] | undefined): boolean {
  if (acceptEncoding === undefined) return false;
  const value = Array.isArray(acceptEncoding) ? acceptEncoding.join(',') : acceptEncoding;
  const negotiator = new Negotiator({ headers: { 'accept-encoding': value } }) as PreferringNegotiator;
  return negotiator.encoding(CODINGS, { preferred: GZIP }) === 'gzip';
}

/** negotiator 1.x takes `{ preferred }` to break ties; @types/negotiator still describes 0.6. */
interface PreferringNegotiator {
  encoding(available: readonly string[], options: { preferred: readonly string[] }): string | undefined;
}

const CODINGS = ['gzip', 'identity'];
const GZIP = ['gzip'];
/** Text formats sluice itself writes that mime-db does not list (formatNdjson's output). */
const UNLISTED_TEXT = /^application\/(x-)?(ndjson|jsonl|jsonlines)$/;

/** Whether a media type is worth compressing ('auto'): mime-db's verdict, via jshttp's compressible. */
export function isCompressible(contentType: string | undefined): boolean {
  const verdict = compressible(contentType ?? '');
  if (verdict !== undefined) return verdict;
  return UNLISTED_TEXT.test(contentType!.split(';')[0]!.trim().toLowerCase());
}

function headerText(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}

/** The status to answer an error with before the first byte: its own 4xx/5xx, else `fallback`. */
export function errorStatus(error: unknown, fallback: number): number {
  if (typeof error === 'object' && error !== null) {
    for (const key of ['status', 'statusCode'] as const) {
      const value = (error as Record<string, unknown>)[key];
      if (typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 599) return value;
    }
  }
  return fallback;
}

/** A short body for an error status: the reason phrase, or a 4xx error's own first line. Never a stack. */
export function errorBody(error: unknown, status: number): string {
  const reason = STATUS_CODES[status] ?? 'Error';
  if (status >= 500 || typeof error !== 'object' || error === null) return `${reason}\n`;
  const { message, expose } = error as { message?: unknown; expose?: unknown };
  if (expose === false || typeof message !== 'string' || message.trim() === '') return `${reason}\n`;
  const line = message.trim().split('\n', 1)[0]!;
  return `${line.length > 200 ? `${line.slice(0, 200)}…` : line}\n`;
}

/** Validates sendPipeline's options (coded errors) and resolves them against `req` and `res`. */
export function resolveOptions(req: IncomingMessage, res: ServerResponse, options: SendPipelineOptions): SendPlan {
  validateObject(options, WHERE);
  validateKeys(options, OPTIONS, WHERE);
  const o = options as SendPipelineOptions;
  const status = o.status === undefined ? 200 : validateInteger(o.status, `${WHERE}.status`, 200, 299);
  if (status === 204 || status === 205) {
    throw new SluiceRangeError('ERR_SLUICE_OPTION_OUT_OF_RANGE', `${WHERE}.status must allow a body, got ${status}`);
  }
  const headers: [string, string | number | readonly string[]][] = [];
  if (o.headers !== undefined) {
    validateObject(o.headers, `${WHERE}.headers`);
    for (const [name, value] of Object.entries(o.headers)) {
      header(name, value, `${WHERE}.headers`);
      headers.push([name.toLowerCase(), value as string | number | readonly string[]]);
    }
  }
  if (o.contentType !== undefined) {
    if (typeof o.contentType !== 'string' || o.contentType === '') {
      throw new SluiceTypeError('ERR_SLUICE_INVALID_OPTION', `${WHERE}.contentType must be a non-empty string`);
    }
    header('content-type', o.contentType, `${WHERE}.contentType`);
    headers.push(['content-type', o.contentType]);
  }
  if (o.filename !== undefined) {
    // A lone surrogate (the only kind \p{Surrogate} matches under /u) has no UTF-8 form: encodeURIComponent would throw.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: a filename with control characters is what it rejects
    if (typeof o.filename !== 'string' || o.filename === '' || /[\x00-\x1f\x7f]|\p{Surrogate}/u.test(o.filename)) {
      throw new SluiceTypeError(
        'ERR_SLUICE_INVALID_OPTION',
        `${WHERE}.filename must be a non-empty, well-formed string without control characters`,
      );
    }
    headers.push(['content-disposition', contentDisposition(o.filename)]);
  }
  const mode = o.gzip ?? false;
  if (mode !== 'auto' && typeof mode !== 'boolean') {
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_OPTION',
      `${WHERE}.gzip must be 'auto', true or false, got ${describeValue(mode)}`,
    );
  }
  const find = (name: string) => headers.findLast(([n]) => n === name)?.[1] ?? res.getHeader(name);
  const presetEncoding = headerText(find('content-encoding'))?.trim().toLowerCase();
  const encoded = presetEncoding !== undefined && presetEncoding !== '' && presetEncoding !== 'identity';
  if (mode === true && encoded) {
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_OPTION',
      `${WHERE}.gzip is true but the response is already ${presetEncoding}-encoded`,
    );
  }
  let gzip = false;
  if (mode !== false && !encoded) {
    gzip =
      acceptsGzip(req.headers['accept-encoding']) &&
      (mode === true || isCompressible(headerText(find('content-type'))));
    const vary = headerText(find('vary')) ?? '';
    const merged = appendVary(vary, 'Accept-Encoding');
    if (merged !== vary) headers.push(['vary', merged]);
    if (gzip) headers.push(['content-encoding', 'gzip']);
  }
  const timeout = o.timeout === undefined ? undefined : validateTimeout(o.timeout, `${WHERE}.timeout`);
  const signal = o.signal === undefined ? undefined : validateSignal(o.signal, `${WHERE}.signal`);
  if (o.onReport !== undefined) validateFunction(o.onReport as unknown, `${WHERE}.onReport`);
  // The run's own validator words the errors (its `where` names sendPipeline's options).
  const progress = validateRunOptions({ onProgress: o.onProgress, progressInterval: o.progressInterval }, WHERE);
  return {
    status,
    headers,
    gzip,
    timeout: timeout === Infinity ? undefined : timeout,
    signal,
    onReport: o.onReport,
    progress,
  };
}
