/**
 * `@sluice/adapters/workers`: CPU-bound work per item on worker threads (`mapInWorkers`).
 *
 * @module @sluice/adapters/workers
 */
export { mapInWorkers, type MapInWorkersOptions, type WorkerPoolLike } from './map-in-workers.js';
