export { compose, type ComposeOptions } from './compose.js';
export { toNodeWritable, type ToNodeWritableOptions } from './to-node-writable.js';
export { fromNodeReadable, type FromNodeReadableOptions } from './from-node-readable.js';
export { write, waitForDrain, isClosed, FlushTracker, type WriteOptions } from './write.js';
export { DestinationClosedError, isDestinationClosed } from '../internal/errors.js';
