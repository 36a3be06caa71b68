export { sendPipeline, type SendPipelineOptions, type SendReport, type SendOutcome } from './send-pipeline.js';
export { requestSignal, type RequestSignal } from './request-signal.js';
export { HeadersSentError } from '../internal/errors.js';
export { ClientGoneError, DestinationClosedError, isClientGone, isDestinationClosed } from '../internal/errors.js';
export type { BodyChunk } from '../internal/web-chunks.js';
