import { SluiceTypeError } from './errors.js';
import { cleanupReporterOf } from './kit/cleanup.js';
import { describeValue } from './kit/describe.js';
import { PIPELINE_BRAND, isPipeline } from './kit/pipeline-brand.js';
import { descriptorOf, sinkDescriptorOf } from './fusion.js';
import type { Plan } from './internal/chain.js';
import { Run } from './internal/run.js';
import { STAGE_HINT, type StageSpec } from './internal/stage-iterators.js';
import { resourceSpec, type ResourceSourceOptions } from './resource.js';
import {
  inputToBatches,
  isSourceInput,
  lazySource,
  type BatchLimits,
  type SourceInput,
  type SourceSpec,
} from './source.js';
import type { Piped, PipedFirst, PipedLast } from './pipe-types.js';
import type { RunOptions, RunReport, Sink, Stage, StageContext } from './types.js';
import {
  MAX_TIMEOUT,
  validateFunction,
  validateInteger,
  validateKeys,
  validateObject,
  validateSignal,
  validateTimeout,
} from './validate.js';

/** Options of `from()`. */
export interface FromOptions {
  /**
   * The most items the source hands downstream per pull, and so its read-ahead bound. Arrays and
   * sync iterables cut batches of it; an async iterable cuts one, for a batch puller, from the items
   * its iterator hands over before the event loop turns (see `from`). `1` makes every source read
   * nothing ahead. Default 1024.
   */
  readonly batchSize?: number;
  /**
   * The most bytes a batch cut by the source holds (arrays, sync and async iterables), besides
   * `batchSize`: a batch ends at the first item that brings it to `batchBytes` or more, so it holds
   * at most `batchBytes` plus one item, and a sync iterable reads ahead no more than that. Strings
   * count their `length`, values with a numeric `byteLength` (Buffers, typed arrays,
   * `ArrayBuffer`, `DataView`) that; other values (objects, numbers) count as items only.
   * An array's batch is scanned only when the first or the last item of its window holds bytes
   * (arrays are all but always of one kind; scanning small objects would cost the fused path).
   * A positive integer or `Infinity` (count only). Default 65,536 — Node's default
   * `highWaterMark` for byte streams since Node 22: 64 KiB Buffers go one per batch, 100-byte
   * lines about 650. `fromResource` hands on the batch its `read` returned: its bound is the
   * caller's.
   */
  readonly batchBytes?: number;
}

/** What `from()` accepts: an input, or a function returning one (called lazily, per run). */
export type FromInput<T> = SourceInput<T> | ((ctx: StageContext) => SourceInput<T> | Promise<SourceInput<T>>);

const kChain = Symbol('sluice.chain');
const DEFAULT_BATCH_SIZE = 1024;
const DEFAULT_BATCH_BYTES = 65_536;

/** `offset`: how many stages come before these, so errors give the stage's position in the pipeline. */
function stageSpecs(stages: readonly unknown[], where: string, offset: number): StageSpec[] {
  const specs: StageSpec[] = [];
  stages.forEach((stage, i) => {
    const position = offset + i + 1;
    if (typeof stage !== 'function') {
      throw new SluiceTypeError(
        'ERR_SLUICE_INVALID_STAGE',
        `${where}: stage ${position} must be a function (source, { signal }) => AsyncIterable, got ${describeValue(stage)}`,
      );
    }
    const label = stage.name ? `${where}: stage ${position} (${stage.name})` : `${where}: stage ${position}`;
    // An async function returns a promise, never an async iterable: known without calling it.
    if (Object.prototype.toString.call(stage) === '[object AsyncFunction]') {
      throw new SluiceTypeError(
        'ERR_SLUICE_INVALID_STAGE',
        `${label} is an async function, so it returns a promise, not an async iterable; ${STAGE_HINT}`,
      );
    }
    const inlined = (stage as { [kChain]?: readonly StageSpec[] })[kChain];
    if (inlined) {
      specs.push(...inlined);
      return;
    }
    const descriptor = descriptorOf(stage);
    if (descriptor?.kind === 'sync') specs.push({ kind: 'sync', kernel: descriptor });
    else if (descriptor?.kind === 'batch') specs.push({ kind: 'batch', kernel: descriptor });
    // House style names stage generators `<operator>Stage`; reports name the operator.
    else
      specs.push({
        kind: 'item',
        stage: stage as Stage<unknown, unknown>,
        name: stage.name.replace(/(.)Stage$/, '$1') || `stage #${position}`,
        label,
      });
  });
  return specs;
}

const RUN_OPTIONS = [
  'signal',
  'timeout',
  'cleanupTimeout',
  'onReport',
  'onCleanupError',
  'onProgress',
  'progressInterval',
] as const;

/** Validates run options (`signal`, `timeout`, …) with coded errors; for adapters that take them. */
export function validateRunOptions(options: unknown, where: string): RunOptions {
  if (options === undefined) return {};
  validateObject(options, where);
  validateKeys(options, RUN_OPTIONS, where);
  const o = options as RunOptions;
  if (o.signal !== undefined) validateSignal(o.signal, `${where}.signal`);
  if (o.timeout !== undefined) validateTimeout(o.timeout, `${where}.timeout`);
  if (o.cleanupTimeout !== undefined) validateInteger(o.cleanupTimeout, `${where}.cleanupTimeout`, 0, MAX_TIMEOUT);
  if (o.onReport !== undefined) validateFunction(o.onReport, `${where}.onReport`);
  if (o.onCleanupError !== undefined) validateFunction(o.onCleanupError, `${where}.onCleanupError`);
  if (o.onProgress !== undefined) validateFunction(o.onProgress, `${where}.onProgress`);
  if (o.progressInterval !== undefined) {
    validateInteger(o.progressInterval, `${where}.progressInterval`, 1, MAX_TIMEOUT);
    if (o.onProgress === undefined) {
      throw new SluiceTypeError(
        'ERR_SLUICE_INVALID_OPTION',
        `${where}.progressInterval needs ${where}.onProgress, the function it paces`,
      );
    }
  }
  return o;
}

/**
 * A typed, lazy, re-runnable pipeline: a source and its stages. Nothing runs until `run`, `to`,
 * `toArray` or iteration; each of those is a new run with its own signal, opening the source anew.
 */
export class Pipeline<T> implements AsyncIterable<T> {
  static {
    // On the prototype and not in the type: `isPipeline` finds it, the public API does not show it.
    Object.defineProperty(Pipeline.prototype, PIPELINE_BRAND, { value: true });
  }

  readonly #plan: Plan;

  /** @internal Use `from()` or `fromResource()`. */
  constructor(plan: Plan) {
    this.#plan = plan;
  }

  /**
   * Appends stages; returns a new pipeline (this one is unchanged and can still run).
   *
   * Contract:
   * - Nothing runs: the stages are checked (each must be a function, not an async function) and
   *   remembered; a bad one throws a coded `TypeError` now, naming its position.
   * - Each stage's item type is inferred from the stage before it; a stage that cannot take its
   *   input is a type error on that stage (`StageMismatch`). One call takes up to 9 stages; chain
   *   calls for more, or `reduce` over a list built at run time.
   * - Synchronous operators next to each other are fused; a `chain()` is inlined.
   *
   * @example
   * ```ts doctest
   * const base = from([1, 2, 3]);
   * const doubled = base.pipe(async function* double(source) {
   *   for await (const n of source) yield n * 2;
   * });
   * await doubled.toArray(); // => [2, 4, 6]
   * await base.toArray(); // => [1, 2, 3]
   * ```
   */
  pipe<R>(s1: Stage<T, R>): Pipeline<R>;
  pipe<O1, I2, R>(s1: PipedFirst<T, O1, I2>, s2: PipedLast<O1, I2, R>): Pipeline<R>;
  pipe<O1, I2, O2, I3, R>(s1: PipedFirst<T, O1, I2>, s2: Piped<O1, I2, O2, I3>, s3: PipedLast<O2, I3, R>): Pipeline<R>;
  pipe<O1, I2, O2, I3, O3, I4, R>(
    s1: PipedFirst<T, O1, I2>,
    s2: Piped<O1, I2, O2, I3>,
    s3: Piped<O2, I3, O3, I4>,
    s4: PipedLast<O3, I4, R>,
  ): Pipeline<R>;
  pipe<O1, I2, O2, I3, O3, I4, O4, I5, R>(
    s1: PipedFirst<T, O1, I2>,
    s2: Piped<O1, I2, O2, I3>,
    s3: Piped<O2, I3, O3, I4>,
    s4: Piped<O3, I4, O4, I5>,
    s5: PipedLast<O4, I5, R>,
  ): Pipeline<R>;
  pipe<O1, I2, O2, I3, O3, I4, O4, I5, O5, I6, R>(
    s1: PipedFirst<T, O1, I2>,
    s2: Piped<O1, I2, O2, I3>,
    s3: Piped<O2, I3, O3, I4>,
    s4: Piped<O3, I4, O4, I5>,
    s5: Piped<O4, I5, O5, I6>,
    s6: PipedLast<O5, I6, R>,
  ): Pipeline<R>;
  pipe<O1, I2, O2, I3, O3, I4, O4, I5, O5, I6, O6, I7, R>(
    s1: PipedFirst<T, O1, I2>,
    s2: Piped<O1, I2, O2, I3>,
    s3: Piped<O2, I3, O3, I4>,
    s4: Piped<O3, I4, O4, I5>,
    s5: Piped<O4, I5, O5, I6>,
    s6: Piped<O5, I6, O6, I7>,
    s7: PipedLast<O6, I7, R>,
  ): Pipeline<R>;
  pipe<O1, I2, O2, I3, O3, I4, O4, I5, O5, I6, O6, I7, O7, I8, R>(
    s1: PipedFirst<T, O1, I2>,
    s2: Piped<O1, I2, O2, I3>,
    s3: Piped<O2, I3, O3, I4>,
    s4: Piped<O3, I4, O4, I5>,
    s5: Piped<O4, I5, O5, I6>,
    s6: Piped<O5, I6, O6, I7>,
    s7: Piped<O6, I7, O7, I8>,
    s8: PipedLast<O7, I8, R>,
  ): Pipeline<R>;
  pipe<O1, I2, O2, I3, O3, I4, O4, I5, O5, I6, O6, I7, O7, I8, O8, I9, R>(
    s1: PipedFirst<T, O1, I2>,
    s2: Piped<O1, I2, O2, I3>,
    s3: Piped<O2, I3, O3, I4>,
    s4: Piped<O3, I4, O4, I5>,
    s5: Piped<O4, I5, O5, I6>,
    s6: Piped<O5, I6, O6, I7>,
    s7: Piped<O6, I7, O7, I8>,
    s8: Piped<O7, I8, O8, I9>,
    s9: PipedLast<O8, I9, R>,
  ): Pipeline<R>;
  pipe(...stages: unknown[]): Pipeline<unknown> {
    return new Pipeline({
      source: this.#plan.source,
      stages: [...this.#plan.stages, ...stageSpecs(stages, 'pipe()', this.#plan.stages.length)],
    });
  }

  /**
   * Runs to the end, discarding the items, and resolves to the run's report.
   *
   * Contract:
   * - A new run: the source is opened on its first pull, each stage once, and every one of them is
   *   released before the promise settles, whatever the outcome.
   * - Resolves to the report when the run completed; rejects with the run's first error, the
   *   signal's reason on abort, or a `TimeoutError` after `timeout` (the report then reaches
   *   `onReport`). Errors raised while closing go to `onCleanupError` or a process warning.
   * - Bad options throw a coded error when `run` is called, before anything opens.
   *
   * @example
   * ```ts doctest
   * const report = await from([1, 2, 3]).run();
   * report.outcome; // => 'completed'
   * report.items; // => 3
   * ```
   */
  run(options?: RunOptions): Promise<RunReport> {
    return this.#start(validateRunOptions(options, 'run(options)')).drain();
  }

  /**
   * Runs into a sink and resolves to what the sink returns.
   *
   * Contract:
   * - The sink receives the items as an async iterable and the run's signal; the run ends when
   *   the sink's promise settles. A sink that returns before the end stops the run (`stopped`):
   *   the source is released at once.
   * - Rejects with the sink's error, the first error of the pipeline, the signal's reason or a
   *   `TimeoutError`; resolves only after every stage and the source were released.
   * - A sink that is not a function, or bad options, throw a coded error at call time.
   *
   * @example
   * ```ts doctest
   * const sum = async (source: AsyncIterable<number>) => {
   *   let total = 0;
   *   for await (const n of source) total += n;
   *   return total;
   * };
   * await from([1, 2, 3]).to(sum); // => 6
   * ```
   */
  to<R>(sink: Sink<T, R>, options?: RunOptions): Promise<R> {
    if (typeof sink !== 'function') {
      throw new SluiceTypeError(
        'ERR_SLUICE_INVALID_SINK',
        `to(): sink must be a function (source, { signal }) => Promise, got ${describeValue(sink)}`,
      );
    }
    const run = this.#start<T>(validateRunOptions(options, 'to(options)'));
    const batched = sinkDescriptorOf(sink);
    return batched ? run.drainBatchesInto(batched.run as never) : run.drainInto(sink);
  }

  /**
   * Collects every item into an array.
   *
   * Contract:
   * - Holds the whole output in memory: for bounded results (tests, small lookups); stream
   *   anything large into a sink with `to`.
   * - Settles like `run`: after every stage and the source were released, rejecting with the
   *   run's first error, the signal's reason or a `TimeoutError`.
   *
   * @example
   * ```ts doctest
   * await from(new Set(['a', 'b'])).toArray(); // => ['a', 'b']
   * ```
   */
  toArray(options?: RunOptions): Promise<T[]> {
    return this.#start<T>(validateRunOptions(options, 'toArray(options)')).collect();
  }

  /**
   * Iterates the items with run options (`for await (const x of pipeline)` is `iterate()`).
   *
   * Contract:
   * - The run starts on the first `next()`; items come as the consumer pulls them, with the
   *   read-ahead of the stages only.
   * - `break` (or `return()`) stops the run and releases the source and every stage before it
   *   returns; an error raised while closing is thrown from it. Run on a stage's signal, that
   *   error also reaches the outer run (`for await` drops it when its body threw), while one thrown
   *   from `next()`, `run()`, `toArray()` or `to()` is the caller's alone.
   * - An error of the run, the signal's reason or a `TimeoutError` is thrown from `next()`, after
   *   everything was released.
   *
   * @example
   * ```ts doctest
   * const seen: number[] = [];
   * for await (const n of from([1, 2, 3, 4]).iterate()) {
   *   if (n > 2) break;
   *   seen.push(n);
   * }
   * seen; // => [1, 2]
   * ```
   */
  iterate(options?: RunOptions): AsyncIterableIterator<T> {
    const opts = validateRunOptions(options, 'iterate(options)');
    let run: Run<T> | undefined;
    let items: AsyncIterator<T> | undefined;
    let returned = false;
    const whereReturned = `the iteration of a pipeline from ${this.#plan.source.name}`;
    const start = () => {
      run ??= this.#start<T>(opts);
      items ??= run.consumerItems();
      return items;
    };
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      next() {
        if (returned && !run) return Promise.resolve({ done: true, value: undefined });
        try {
          return start().next();
        } catch (error) {
          // Building the run can throw (a kernel's create()): next() rejects, it never throws.
          return Promise.reject(error);
        }
      },
      async return() {
        returned = true;
        if (!run) return { done: true, value: undefined };
        try {
          await run.settleAfterReturn();
        } catch (error) {
          // A close error, the one thing return() rejects with. Unlike a rejected next() or run(),
          // it may reach nobody: `for await` drops it when its body threw. So a run this one runs
          // inside (its signal is that run's, and no hook of its own took the error) hears of it too.
          if (!opts.onCleanupError) cleanupReporterOf(opts.signal)?.(error, whereReturned);
          throw error;
        }
        return { done: true, value: undefined };
      },
    };
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.iterate();
  }

  #start<R>(options: RunOptions): Run<R> {
    return new Run<R>(this.#plan, options);
  }
}

function sourceFrom<T>(input: unknown, limits: BatchLimits): SourceSpec<T> {
  if (typeof input === 'function') {
    const factory = input as (ctx: StageContext) => unknown;
    return { name: input.name || 'source', open: (ctx, hooks) => lazySource<T>(factory, limits, ctx, hooks) };
  }
  if (!isSourceInput(input)) {
    // Fail now, at call time, with the same message the run would give.
    inputToBatches(
      input,
      limits,
      { opened() {}, released() {}, cleanupError() {}, unread() {}, bounded: (p) => p },
      'from(input)',
    );
  }
  const name = Array.isArray(input) ? 'array' : (input as object).constructor?.name || 'source';
  return { name, open: (_ctx, hooks) => inputToBatches<T>(input, limits, hooks, 'from(input)') };
}

/**
 * Starts a pipeline from an array, an iterable, an async iterable, a Node readable, a Web
 * `ReadableStream`, or a function returning one of those (called on the first pull of each run).
 *
 * Contract:
 * - Lazy: nothing is read (and a function input is not called) before a run's first pull; every
 *   run reads the input anew (an iterator or stream, which can be read only once, runs once).
 * - Arrays and sync iterables are cut into batches of up to `batchSize` items / `batchBytes`
 *   bytes, which bounds the read-ahead.
 * - An async iterable (a generator, a driver, a Node readable, a Web stream) hands a batch puller
 *   (the fused operators under `run()`, `toArray()` or a batch sink such as a file or an HTTP
 *   response) the items its iterator gives before the event loop turns, up to `batchSize` /
 *   `batchBytes`: a driver's page of rows goes on together, at once. The `next()` pending when the
 *   batch was cut starts the next one, so it reads ahead at most a batch and one pull. A user
 *   stage, an item sink or `for await` pulls one item at a time, and so does a `take` after a
 *   `filter` or `first()`: nothing is read ahead of them. `batchSize: 1` reads nothing ahead anywhere.
 * - Promises among the items are awaited, in order. An input of none of these kinds throws a
 *   coded `TypeError` when `from` is called; a pipeline passed in is returned as it is.
 *
 * @example
 * ```ts doctest
 * const report = await from([1, 2, 3]).pipe(async function* double(source) {
 *   for await (const n of source) yield n * 2;
 * }).run();
 * report.items; // => 3
 * await from(async function* () { yield 'a'; yield 'b'; }).toArray(); // => ['a', 'b']
 * ```
 */
export function from<B extends Uint8Array>(
  input: B | ((ctx: StageContext) => B | Promise<B>),
  options?: FromOptions,
): Pipeline<B>;
export function from<T>(input: FromInput<T> | Pipeline<T>, options?: FromOptions): Pipeline<Awaited<T>>;
export function from<T>(input: FromInput<T> | Pipeline<T>, options?: FromOptions): Pipeline<Awaited<T>> {
  // A pipeline (from any copy of core) is taken as it is, so its source stays owned (and reported) by the run.
  if (isPipeline(input)) return input as Pipeline<Awaited<T>>;
  let size = DEFAULT_BATCH_SIZE;
  let bytes = DEFAULT_BATCH_BYTES;
  if (options !== undefined) {
    validateObject(options, 'from(input, options)');
    validateKeys(options, ['batchSize', 'batchBytes'], 'from(input, options)');
    if (options.batchSize !== undefined) size = validateInteger(options.batchSize, 'from(input, options).batchSize', 1);
    if (options.batchBytes !== undefined)
      bytes = validateInteger(options.batchBytes, 'from(input, options).batchBytes', 1, Infinity);
  }
  return new Pipeline<Awaited<T>>({ source: sourceFrom(input, { size, bytes }) as SourceSpec<unknown>, stages: [] });
}

/**
 * Starts a pipeline from a resource the run owns: `open` on the first pull, `read` batch after
 * batch, `close` exactly once — the moment `read` reports the end, or on error, abort or early exit.
 *
 * Contract:
 * - `open(ctx)` is called on a run's first pull (never if the run is aborted first); `read(r, ctx)`
 *   returns the next batch (an array, maybe empty, sync or as a promise) or `null` at the end.
 * - `close(r)` is called exactly once per opened resource: as soon as `read` returned `null`
 *   (before the last items reach the consumer), or on error, abort or an early stop. The run
 *   settles only after it finished; its error is a cleanup error, never lost.
 * - No read-ahead beyond the batch `read` returned; the size of that batch is the caller's.
 *
 * @example
 * ```ts doctest
 * const log: string[] = [];
 * const rows = fromResource({
 *   open: () => ({ pages: [[1, 2], [3]] }),
 *   read: (cursor) => cursor.pages.shift() ?? null,
 *   close: () => void log.push('closed'),
 * });
 * await rows.toArray(); // => [1, 2, 3]
 * log; // => ['closed']
 * ```
 */
export function fromResource<R, T>(options: ResourceSourceOptions<R, T>): Pipeline<T> {
  return new Pipeline<T>({ source: resourceSpec(options) as SourceSpec<unknown>, stages: [] });
}

/** A reusable typed chain of stages: itself a `Stage`, and inlined (and fused) when piped. */
export interface Chain<In, Out> extends Stage<In, Out> {
  pipe<R>(s1: Stage<Out, R>): Chain<In, R>;
  pipe<O1, I2, R>(s1: PipedFirst<Out, O1, I2>, s2: PipedLast<O1, I2, R>): Chain<In, R>;
  pipe<O1, I2, O2, I3, R>(
    s1: PipedFirst<Out, O1, I2>,
    s2: Piped<O1, I2, O2, I3>,
    s3: PipedLast<O2, I3, R>,
  ): Chain<In, R>;
  pipe<O1, I2, O2, I3, O3, I4, R>(
    s1: PipedFirst<Out, O1, I2>,
    s2: Piped<O1, I2, O2, I3>,
    s3: Piped<O2, I3, O3, I4>,
    s4: PipedLast<O3, I4, R>,
  ): Chain<In, R>;
  pipe<O1, I2, O2, I3, O3, I4, O4, I5, R>(
    s1: PipedFirst<Out, O1, I2>,
    s2: Piped<O1, I2, O2, I3>,
    s3: Piped<O2, I3, O3, I4>,
    s4: Piped<O3, I4, O4, I5>,
    s5: PipedLast<O4, I5, R>,
  ): Chain<In, R>;
  pipe<O1, I2, O2, I3, O3, I4, O4, I5, O5, I6, R>(
    s1: PipedFirst<Out, O1, I2>,
    s2: Piped<O1, I2, O2, I3>,
    s3: Piped<O2, I3, O3, I4>,
    s4: Piped<O3, I4, O4, I5>,
    s5: Piped<O4, I5, O5, I6>,
    s6: PipedLast<O5, I6, R>,
  ): Chain<In, R>;
  pipe<O1, I2, O2, I3, O3, I4, O4, I5, O5, I6, O6, I7, R>(
    s1: PipedFirst<Out, O1, I2>,
    s2: Piped<O1, I2, O2, I3>,
    s3: Piped<O2, I3, O3, I4>,
    s4: Piped<O3, I4, O4, I5>,
    s5: Piped<O4, I5, O5, I6>,
    s6: Piped<O5, I6, O6, I7>,
    s7: PipedLast<O6, I7, R>,
  ): Chain<In, R>;
  pipe<O1, I2, O2, I3, O3, I4, O4, I5, O5, I6, O6, I7, O7, I8, R>(
    s1: PipedFirst<Out, O1, I2>,
    s2: Piped<O1, I2, O2, I3>,
    s3: Piped<O2, I3, O3, I4>,
    s4: Piped<O3, I4, O4, I5>,
    s5: Piped<O4, I5, O5, I6>,
    s6: Piped<O5, I6, O6, I7>,
    s7: Piped<O6, I7, O7, I8>,
    s8: PipedLast<O7, I8, R>,
  ): Chain<In, R>;
  pipe<O1, I2, O2, I3, O3, I4, O4, I5, O5, I6, O6, I7, O7, I8, O8, I9, R>(
    s1: PipedFirst<Out, O1, I2>,
    s2: Piped<O1, I2, O2, I3>,
    s3: Piped<O2, I3, O3, I4>,
    s4: Piped<O3, I4, O4, I5>,
    s5: Piped<O4, I5, O5, I6>,
    s6: Piped<O5, I6, O6, I7>,
    s7: Piped<O6, I7, O7, I8>,
    s8: Piped<O7, I8, O8, I9>,
    s9: PipedLast<O8, I9, R>,
  ): Chain<In, R>;
}

function makeChain<In, Out>(specs: readonly StageSpec[]): Chain<In, Out> {
  const stage = async function* chainStage(source: AsyncIterable<In>, ctx?: StageContext): AsyncGenerator<Out> {
    const spec: SourceSpec<unknown> = {
      name: 'chain input',
      open: (_ctx, hooks) => inputToBatches(source, { size: 1, bytes: Infinity }, hooks, 'the chain input'),
    };
    yield* new Pipeline<Out>({ source: spec, stages: specs }).iterate(ctx?.signal ? { signal: ctx.signal } : {});
  };
  return Object.assign(stage, {
    [kChain]: specs,
    pipe: (...stages: unknown[]) => makeChain([...specs, ...stageSpecs(stages, 'chain().pipe()', specs.length)]),
  }) as unknown as Chain<In, Out>;
}

/**
 * Starts a reusable chain whose input type is `T`.
 *
 * Contract:
 * - A chain is a `Stage`: it runs on its own (in Node's `pipeline()`, inside another host) and,
 *   piped into a pipeline, is inlined there, so its synchronous operators fuse with their
 *   neighbours and the run reports each of its stages.
 * - Immutable: `pipe` returns a new chain; one chain can serve any number of pipelines and runs.
 *
 * @example
 * ```ts doctest
 * const exporter = chain<number>().pipe(async function* label(source) {
 *   for await (const n of source) yield `#${n}`;
 * });
 * await from([1, 2]).pipe(exporter).toArray(); // => ['#1', '#2']
 * ```
 */
export function chain<T>(): Chain<T, T> {
  return makeChain<T, T>([]);
}
