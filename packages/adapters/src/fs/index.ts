/**
 * `@sluice/adapters/fs`: files as sources (`fromFile`) and atomic sinks (`toFile`).
 *
 * @module @sluice/adapters/fs
 */
export { fromFile, type FromFileOptions } from './from-file.js';
export { toFile, type ToFileOptions } from './to-file.js';
export type { FilePath } from './path.js';
