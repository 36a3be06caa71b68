/**
 * `@sluice/core/kit`: the toolkit for authors of operators and adapters.
 *
 * `@sluice/core` exports what a user of pipelines needs; everything that operators and adapters
 * share lives here, once: the validators and the value describer that word every "got …" in an
 * error, the `define*` functions and symbols of the fusion protocol, cleanup-error reporting and
 * the acknowledgement ledger. Nothing here is needed to build or run a pipeline.
 *
 * @module @sluice/core/kit
 */
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
} from '../fusion.js';
export { reportCleanupError, timeoutReason, describe as describeValue, type SluiceErrorCode } from '../errors.js';
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
  MAX_TIMEOUT,
} from '../validate.js';
export { AckLedger, splitDelivery, type Delivery, type Receipt, type Delivered } from '../ack.js';
