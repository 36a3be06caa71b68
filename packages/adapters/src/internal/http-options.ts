import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES, validateHeaderName, validateHeaderValue } from 'node:http';
import { SluiceRangeError, SluiceTypeError } from '@sluice/core';
import {
  validateFunction,
  validateInteger,
  validateKeys,
  validateObject,
  validateSignal,
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
}

const OPTIONS = ['status', 'contentType', 'filename', 'headers', 'gzip', 'timeout', 'signal', 'onReport'] as const;
const WHERE = 'sendPipeline(req, res, pipeline, options)';

function header(name: string, value: unknown, where: string): void {
  try {
    validateHeaderName(name);
    validateHeaderValue(name, value as string);
  } catch (error) {
    throw new SluiceTypeError('ERR_SLUICE_INVALID_OPTION', `${where}: ${(error as Error).message}`);
  }
}

/** RFC 5987 `attr-char`s stay as they are; everything else is percent-encoded UTF-8. */
function encodeExtValue(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * `attachment` with the file name (RFC 6266): a quoted ASCII `filename` every client reads, plus
 * `filename*` in UTF-8 (RFC 5987) when the name is not plain ASCII, which modern clients prefer.
 */
export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_');
  const quoted = `attachment; filename="${ascii.replace(/["\\]/g, '\\$&')}"`;
  const needsExt = ascii !== filename || /%[0-9A-Fa-f]{2}/.test(filename);
  return needsExt ? `${quoted}; filename*=UTF-8''${encodeExtValue(filename)}` : quoted;
}

/** True when `Accept-Encoding` accepts gzip (explicitly, or through `*`) with a non-zero q. */
export function acceptsGzip(acceptEncoding: string | string[] | undefined): boolean {
  if (acceptEncoding === undefined) return false;
  const value = Array.isArray(acceptEncoding) ? acceptEncoding.join(',') : acceptEncoding;
  let gzip: number | undefined;
  let star: number | undefined;
  for (const entry of value.split(',')) {
    const [coding = '', ...params] = entry.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    const weight = Number.isNaN(q) ? 0 : q;
    if (coding === 'gzip' || coding === 'x-gzip') gzip = Math.max(gzip ?? 0, weight);
    else if (coding === '*') star = weight;
  }
  return (gzip ?? star ?? 0) > 0;
}

const COMPRESSIBLE = /^(text\/|application\/(json|x-ndjson|ndjson|xml|javascript|csv|x-csv|sql|yaml)$)|\+(json|xml)$/;

/** Whether a media type is worth compressing ('auto'): text-like types are, images and archives are not. */
export function isCompressible(contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return type !== undefined && COMPRESSIBLE.test(type);
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
    // biome-ignore lint/suspicious/noControlCharactersInRegex: a filename with control characters is what it rejects
    if (typeof o.filename !== 'string' || o.filename === '' || /[\x00-\x1f\x7f]/.test(o.filename)) {
      throw new SluiceTypeError('ERR_SLUICE_INVALID_OPTION', `${WHERE}.filename must be a non-empty string without control characters`);
    }
    headers.push(['content-disposition', contentDisposition(o.filename)]);
  }
  const mode = o.gzip ?? false;
  if (mode !== 'auto' && typeof mode !== 'boolean') {
    throw new SluiceTypeError('ERR_SLUICE_INVALID_OPTION', `${WHERE}.gzip must be 'auto', true or false, got ${String(mode)}`);
  }
  const find = (name: string) => headers.findLast(([n]) => n === name)?.[1] ?? res.getHeader(name);
  const presetEncoding = headerText(find('content-encoding'))?.trim().toLowerCase();
  const encoded = presetEncoding !== undefined && presetEncoding !== '' && presetEncoding !== 'identity';
  if (mode === true && encoded) {
    throw new SluiceTypeError('ERR_SLUICE_INVALID_OPTION', `${WHERE}.gzip is true but the response is already ${presetEncoding}-encoded`);
  }
  let gzip = false;
  if (mode !== false && !encoded) {
    gzip = acceptsGzip(req.headers['accept-encoding']) && (mode === true || isCompressible(headerText(find('content-type'))));
    const vary = headerText(find('vary'));
    if (vary === undefined || vary.trim() === '') headers.push(['vary', 'Accept-Encoding']);
    else if (!/(^|,)\s*(\*|accept-encoding)\s*(,|$)/i.test(vary)) headers.push(['vary', `${vary}, Accept-Encoding`]);
    if (gzip) headers.push(['content-encoding', 'gzip']);
  }
  const timeout = o.timeout === undefined ? undefined : validateTimeout(o.timeout, `${WHERE}.timeout`);
  const signal = o.signal === undefined ? undefined : validateSignal(o.signal, `${WHERE}.signal`);
  if (o.onReport !== undefined) validateFunction(o.onReport as unknown, `${WHERE}.onReport`);
  return { status, headers, gzip, timeout: timeout === Infinity ? undefined : timeout, signal, onReport: o.onReport };
}
