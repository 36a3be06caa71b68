/**
 * `@sluice/adapters/web`: Web streams and `Response` bodies: `toReadableStream`,
 * `fromReadableStream`, `toTransformStream`, `toResponse`.
 *
 * @module @sluice/adapters/web
 */
export { toReadableStream, type ToReadableStreamOptions } from './to-readable-stream.js';
export { fromReadableStream, type FromReadableStreamOptions } from './from-readable-stream.js';
export { toTransformStream, type StageStream } from './to-transform-stream.js';
export { toResponse } from './to-response.js';
export type { BodyChunk } from '../internal/web-chunks.js';
