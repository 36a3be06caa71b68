/**
 * `@sluice/adapters/http`: a pipeline as the body of a `node:http` response (`sendPipeline`), and a
 * signal that aborts when the client leaves (`requestSignal`).
 *
 * @module @sluice/adapters/http
 */
export { sendPipeline, type SendPipelineOptions, type SendReport, type SendOutcome } from './send-pipeline.js';
export { requestSignal, type RequestSignal } from './request-signal.js';
export { HeadersSentError } from '../internal/errors.js';
export { ClientGoneError, DestinationClosedError, isClientGone, isDestinationClosed } from '../internal/errors.js';
export type { BodyChunk } from '../internal/web-chunks.js';
