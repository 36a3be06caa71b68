/**
 * `@sluice/core`: build a pipeline and run it.
 *
 * Authors of operators and adapters find validators, the fusion protocol and signal helpers in
 * `@sluice/core/kit`; the testing kit is `@sluice/core/testing`.
 *
 * @module @sluice/core
 */
export type {
  Stage,
  Sink,
  StageContext,
  RunOptions,
  RunReport,
  RunOutcome,
  StageReport,
  SourceReport,
  ProgressSnapshot,
} from './types.js';
export {
  CHANNELS as diagnosticsChannels,
  type RunTraceContext,
  type SourceMessage,
  type StageMessage,
  type StageCloseMessage,
} from './observe.js';
export { from, fromResource, chain, Pipeline, type Chain, type FromInput, type FromOptions } from './pipeline.js';
export type { ResourceSourceOptions, ReadContext, ReadResult, ResourceBatch } from './resource.js';
export type { SourceInput, ReadableStreamLike } from './source.js';
export { SluiceTypeError, SluiceRangeError, isAbortError, isTimeoutError } from './errors.js';
export type { SluiceErrorCode } from './codes.js';
export { isAborted, isTimedOut, isFailure } from './outcome.js';
export { ackAfter, type AckAfterOptions, type Delivery, type Receipt, type Delivered } from './ack.js';
