import { SluiceTypeError, type Stage } from '@sluice/core';
import {
  describeValue,
  validateBoolean,
  validateFunction,
  validateInteger,
  validateKeys,
  validateObject,
} from '@sluice/core/kit';
import { mapConcurrent } from '@sluice/operators';
import type { TransferListItem } from 'node:worker_threads';
import { Piscina } from 'piscina';

/** The part of a piscina pool `mapInWorkers` uses; pass your own to share it across runs. */
export interface WorkerPoolLike {
  /** Runs one task on a thread; rejects when `signal` aborts it (piscina's `run`). */
  run(
    task: unknown,
    options: { filename?: string; signal?: AbortSignal; transferList?: TransferListItem[] },
  ): Promise<unknown>;
}

/** Options of `mapInWorkers`. */
export interface MapInWorkersOptions<In> {
  /** Tasks in flight at once (and threads of the pool it creates). Default 2. */
  readonly concurrency?: number;
  /** Keep input order (default `true`) or emit in completion order. */
  readonly ordered?: boolean;
  /** A pool to run on, shared across runs and closed by its owner; otherwise each run makes its own and destroys it at the end. */
  readonly pool?: WorkerPoolLike;
  /** What to move rather than copy to the worker (an item's `ArrayBuffer`s): they are unusable here afterwards. */
  readonly transfer?: (item: In) => TransferListItem[];
}

const KEYS = ['concurrency', 'ordered', 'pool', 'transfer'];

/**
 * Runs the default export of a module on every item in worker threads (a piscina pool), for
 * CPU-bound work: `mapInWorkers(new URL('./work.js', import.meta.url), { concurrency: 2 })`.
 *
 * Contract:
 * - The module's default export gets the item (structured-cloned, or moved per `transfer`) and
 *   returns the result or a promise of it. The module must be JavaScript the worker can import.
 * - At most `concurrency` items are held (in flight or finished, waiting), as `mapConcurrent`;
 *   `ordered` as there.
 * - The run's signal reaches every task: on abort, early exit or the first error, queued tasks
 *   are dropped and running ones are stopped (piscina terminates their thread and starts another).
 * - An error thrown in the worker fails the run with that error.
 * - Without `pool`, each run creates a pool of `concurrency` threads on its first item and
 *   destroys it when it ends, however it ends; a given `pool` is never closed.
 *
 * @example
 * ```ts
 * const digests = await from(files).pipe(mapInWorkers(new URL('./sha256.js', import.meta.url), { concurrency: 2 })).toArray();
 * ```
 */
export function mapInWorkers<In, Out>(module: URL | string, options: MapInWorkersOptions<In> = {}): Stage<In, Out> {
  const name = 'mapInWorkers(module, options)';
  if (!(module instanceof URL) && typeof module !== 'string') {
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_ARGUMENT',
      `${name}: module must be a URL or a file URL string, got ${describeValue(module)}`,
    );
  }
  const filename = String(module);
  validateObject(options, name);
  validateKeys(options, KEYS, name);
  const concurrency = validateInteger(options.concurrency ?? 2, `${name}.concurrency`, 1);
  const ordered = validateBoolean(options.ordered ?? true, `${name}.ordered`);
  if (options.pool !== undefined && typeof (options.pool as WorkerPoolLike | null)?.run !== 'function') {
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_OPTION',
      `${name}.pool must be a piscina pool (an object with run())`,
    );
  }
  if (options.transfer !== undefined) validateFunction(options.transfer, `${name}.transfer`);
  const { pool: shared, transfer } = options as MapInWorkersOptions<In>;

  return async function* mapInWorkersStage(source, ctx) {
    let own: Piscina | undefined;
    const pool = (): WorkerPoolLike =>
      shared ?? (own ??= new Piscina({ filename, minThreads: 0, maxThreads: concurrency }));
    const task = (item: In, { signal }: { signal: AbortSignal }) =>
      pool().run(item, { filename, signal, ...(transfer ? { transferList: transfer(item) } : {}) }) as Promise<Out>;
    try {
      yield* mapConcurrent(task, { concurrency, ordered })(source, ctx);
    } finally {
      await own?.destroy();
    }
  };
}
