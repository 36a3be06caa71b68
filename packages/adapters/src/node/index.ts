/**
 * `@sluice/adapters/node`: Node streams in and out of pipelines: `compose`, `toNodeWritable`,
 * `fromNodeReadable`, and a drain-safe `write`.
 *
 * @module @sluice/adapters/node
 */
export { compose, type ComposeOptions } from './compose.js';
export { toNodeWritable, type ToNodeWritableOptions } from './to-node-writable.js';
export { fromNodeReadable, type FromNodeReadableOptions } from './from-node-readable.js';
export { write, waitForDrain, isClosed, FlushTracker, type WriteOptions } from './write.js';
export { DestinationClosedError, isDestinationClosed } from '../internal/errors.js';
