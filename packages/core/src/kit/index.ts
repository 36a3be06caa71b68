/**
 * `@sluice/core/kit`: the toolkit for authors of operators and adapters (see `KIT.md`).
 *
 * `@sluice/core` exports what a user of pipelines needs; everything that operators and adapters
 * share lives here, once, so that sluice's own packages and third-party ones behave alike:
 * - validators that throw coded errors (never an uncoded one, even for a revoked Proxy), and the
 *   one value describer that words every "got …" of an error message;
 * - the `define*` functions and symbols of the fusion protocol;
 * - `isThenable`, `DONE`, and the brand-based `isPipeline` that works across copies of core;
 * - cleanup-error reporting and the one format of sluice's process warnings;
 * - text helpers: a streaming UTF-8 decoder, the line splitter of `splitLines`, the surrogate carry;
 * - the acknowledgement ledger, and the list of every error code.
 * Nothing here is needed to build or run a pipeline.
 *
 * @module @sluice/core/kit
 */
export {
  kSluiceStage,
  kSluiceSink,
  defineSyncStage,
  defineInlineStage,
  defineBatchStage,
  defineBatchSink,
  type KernelInstance,
  type InlineOp,
  type SyncKernel,
  type BatchKernel,
  type StageDescriptor,
  type FusableStage,
  type BatchSinkDescriptor,
} from '../fusion.js';
export { timeoutReason } from '../errors.js';
export type { SluiceErrorCode, SluiceWarningCode } from '../codes.js';
export { describeValue, nameOf, hasShape, isUnreadable } from './describe.js';
export { DONE, isThenable } from './iteration.js';
export { PIPELINE_BRAND, isPipeline } from './pipeline-brand.js';
export { reportCleanupError, warnCleanupError, warnReportError } from './cleanup.js';
export { TextChunkDecoder, SurrogateCarry, chunkTypeError } from './text-decoder.js';
export { LineSplitter, LineTooLongError, DEFAULT_MAX_LINE_LENGTH, lineLengthOption } from './line-splitter.js';
export { optionsObject, optionalBoolean } from './options.js';
export type { InlineKind } from '../internal/inline-semantics.js';
export type { DemandHint, DemandBatches, DemandBatchIterator } from '../internal/protocol.js';
export { validateRunOptions } from '../pipeline.js';
export {
  validateFunction,
  validateObject,
  validateInteger,
  validateNumber,
  validateBoolean,
  validateSignal,
  validateKeys,
  validateTimeout,
  validateDelay,
  MAX_TIMEOUT,
} from '../validate.js';
export { AckLedger, splitDelivery, type Delivery, type Receipt, type Delivered } from '../ack.js';
export { onAbort, raceSignal, Notifier, pullOnce } from './abort.js';
