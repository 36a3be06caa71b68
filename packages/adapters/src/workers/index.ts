export { mapInWorkers, type MapInWorkersOptions, type WorkerPoolLike } from './map-in-workers.js';
