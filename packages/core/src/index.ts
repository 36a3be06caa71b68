export type { Stage, Sink, StageContext, RunOptions, RunReport, RunOutcome, StageReport, SourceReport } from './types.js';
export { from, fromResource, chain, Pipeline, validateRunOptions, type Chain, type FromInput, type FromOptions } from './pipeline.js';
export type { ResourceSourceOptions, ReadContext, ReadResult, ResourceBatch } from './resource.js';
export type { SourceInput, ReadableStreamLike } from './source.js';
export {
  kSluiceStage,
  kSluiceSink,
  defineSyncStage,
  defineBatchStage,
  defineBatchSink,
  type KernelInstance,
  type InlineOp,
  type SyncKernel,
  type BatchKernel,
  type StageDescriptor,
  type FusableStage,
  type BatchSinkDescriptor,
} from './fusion.js';
export {
  SluiceTypeError,
  SluiceRangeError,
  isAbortError,
  isTimeoutError,
  timeoutReason,
  reportCleanupError,
  describe as describeValue,
  type SluiceErrorCode,
} from './errors.js';
export { isAborted, isTimedOut, isFailure } from './outcome.js';
export {
  validateFunction,
  validateObject,
  validateInteger,
  validateNumber,
  validateBoolean,
  validateSignal,
  validateKeys,
  validateTimeout,
  MAX_TIMEOUT,
} from './validate.js';
export {
  AckLedger,
  ackAfter,
  splitDelivery,
  type AckAfterOptions,
  type Delivery,
  type Receipt,
  type Delivered,
} from './ack.js';
