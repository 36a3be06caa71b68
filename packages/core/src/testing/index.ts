/**
 * The sluice testing kit: what our own operators and adapters are tested with, for your stages.
 * See packages/core/TESTING.md.
 *
 * @module @sluice/core/testing
 */
export { deferred, flushMacrotask, type Deferred } from './deferred.js';
export {
  trackedSource,
  trackedResource,
  TrackedSource,
  type Step,
  type TrackedSourceOptions,
  type TrackedStats,
  type ResourceStats,
} from './tracked-source.js';
export { slowWritable, SlowWritable, type SlowWritableOptions } from './slow-writable.js';
export {
  leakCheck,
  listenerCounts,
  abortListenerCount,
  NO_LEAKS,
  type LeakCheck,
  type LeakCheckOptions,
  type LeakReport,
} from './leak-check.js';
export { liveAbortListenersAfter } from './abort-listeners.js';
export { withoutUnhandledRejections } from './unhandled.js';
export { cleanupRecorder } from './cleanup-recorder.js';
export { conformance, type ConformanceCase, type ConformanceOptions } from './conformance.js';
export { measureLoop, fairBusyWork, type LoopMeasure } from './loop-meter.js';
export { captureWarnings } from './warnings.js';
