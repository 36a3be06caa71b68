import { SluiceTypeError } from './errors.js';
import { describeValue, isUnreadable } from './kit/describe.js';
import { DONE } from './kit/iteration.js';
import { PIPELINE_BRAND, isPipeline } from './kit/pipeline-brand.js';
import { descriptorOf, sinkDescriptorOf } from './fusion.js';
import type { Plan } from './internal/chain.js';
import { Run } from './internal/run.js';
import { STAGE_HINT, type StageSpec } from './internal/stage-iterators.js';
import { resourceSpec, type ResourceSourceOptions } from './resource.js';
import { inputToBatches, isSourceInput, lazySource, type BatchLimits, type SourceInput, type SourceSpec } from './source.js';
import type { RunOptions, RunReport, Sink, Stage, StageContext } from './types.js';
import { MAX_TIMEOUT, validateFunction, validateInteger, validateKeys, validateObject, validateSignal, validateTimeout } from './validate.js';

/** Options of `from()`. */
export interface FromOptions {
  /**
   * The most items the source hands downstream per pull, when it can cut batches (arrays and
   * sync iterables). It is also the source's read-ahead bound for sync iterables. Default 1024.
   */
  readonly batchSize?: number;
  /**
   * The most bytes a batch cut by the source holds (arrays and sync iterables), besides
   * `batchSize`: a batch ends at the first item that brings it to `batchBytes` or more, so it holds
   * at most `batchBytes` plus one item, and a sync iterable reads ahead no more than that. Strings
   * count their `length`, values with a numeric `byteLength` (Buffers, typed arrays,
   * `ArrayBuffer`, `DataView`) that; other values (objects, numbers) count as items only.
   * An array's batch is scanned only when the first or the last item of its window holds bytes
   * (arrays are all but always of one kind; scanning small objects would cost the fused path).
   * A positive integer or `Infinity` (count only). Default 65,536 — Node's default
   * `highWaterMark` for byte streams since Node 22: 64 KiB Buffers go one per batch, 100-byte
   * lines about 650. Async sources yield one item per pull and `fromResource` hands on the batch
   * its `read` returned: their bound is the caller's.
   */
  readonly batchBytes?: number;
}

/** What `from()` accepts: an input, or a function returning one (called lazily, per run). */
export type FromInput<T> =
  | SourceInput<T>
  | ((ctx: StageContext) => SourceInput<T> | Promise<SourceInput<T>>);

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
      throw new SluiceTypeError('ERR_SLUICE_INVALID_STAGE', `${label} is an async function, so it returns a promise, not an async iterable; ${STAGE_HINT}`);
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
    else specs.push({ kind: 'item', stage: stage as Stage<unknown, unknown>, name: stage.name.replace(/(.)Stage$/, '$1') || `stage #${position}`, label });
  });
  return specs;
}

/** `pipe([a, b])` is `pipe(a, b)`: a list assembled at run time. */
function flatten(stages: readonly unknown[]): readonly unknown[] {
  return stages.length === 1 && !isUnreadable(stages[0]) && Array.isArray(stages[0]) ? (stages[0] as unknown[]) : stages;
}

const RUN_OPTIONS = ['signal', 'timeout', 'cleanupTimeout', 'onReport', 'onCleanupError', 'onProgress', 'progressInterval'] as const;

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
      throw new SluiceTypeError('ERR_SLUICE_INVALID_OPTION', `${where}.progressInterval needs ${where}.onProgress, the function it paces`);
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
    Object.defineProperty(this.prototype, PIPELINE_BRAND, { value: true });
  }

  readonly #plan: Plan;

  /** @internal Use `from()` or `fromResource()`. */
  constructor(plan: Plan) {
    this.#plan = plan;
  }

  /** Appends stages; returns a new pipeline (this one is unchanged and can still run). */
  pipe<A>(s1: Stage<T, A>): Pipeline<A>;
  pipe<A, B>(s1: Stage<T, A>, s2: Stage<A, B>): Pipeline<B>;
  pipe<A, B, C>(s1: Stage<T, A>, s2: Stage<A, B>, s3: Stage<B, C>): Pipeline<C>;
  pipe<A, B, C, D>(s1: Stage<T, A>, s2: Stage<A, B>, s3: Stage<B, C>, s4: Stage<C, D>): Pipeline<D>;
  pipe<A, B, C, D, E>(s1: Stage<T, A>, s2: Stage<A, B>, s3: Stage<B, C>, s4: Stage<C, D>, s5: Stage<D, E>): Pipeline<E>;
  pipe<A, B, C, D, E, F>(s1: Stage<T, A>, s2: Stage<A, B>, s3: Stage<B, C>, s4: Stage<C, D>, s5: Stage<D, E>, s6: Stage<E, F>): Pipeline<F>;
  pipe<A, B, C, D, E, F, G>(s1: Stage<T, A>, s2: Stage<A, B>, s3: Stage<B, C>, s4: Stage<C, D>, s5: Stage<D, E>, s6: Stage<E, F>, s7: Stage<F, G>): Pipeline<G>;
  pipe<A, B, C, D, E, F, G, H>(s1: Stage<T, A>, s2: Stage<A, B>, s3: Stage<B, C>, s4: Stage<C, D>, s5: Stage<D, E>, s6: Stage<E, F>, s7: Stage<F, G>, s8: Stage<G, H>): Pipeline<H>;
  pipe<A, B, C, D, E, F, G, H, I>(s1: Stage<T, A>, s2: Stage<A, B>, s3: Stage<B, C>, s4: Stage<C, D>, s5: Stage<D, E>, s6: Stage<E, F>, s7: Stage<F, G>, s8: Stage<G, H>, s9: Stage<H, I>): Pipeline<I>;
  /** Appends a list of stages assembled at run time; the result's item type is not inferred. */
  pipe(stages: readonly Stage<any, any>[]): Pipeline<unknown>;
  pipe(...stages: unknown[]): Pipeline<unknown> {
    return new Pipeline({ source: this.#plan.source, stages: [...this.#plan.stages, ...stageSpecs(flatten(stages), 'pipe()', this.#plan.stages.length)] });
  }

  /** Runs to the end, discarding the items, and resolves to the run's report. */
  run(options?: RunOptions): Promise<RunReport> {
    return this.#start(validateRunOptions(options, 'run(options)')).drain();
  }

  /** Runs into a sink and resolves to what the sink returns. */
  to<R>(sink: Sink<T, R>, options?: RunOptions): Promise<R> {
    if (typeof sink !== 'function') {
      throw new SluiceTypeError('ERR_SLUICE_INVALID_SINK', `to(): sink must be a function (source, { signal }) => Promise, got ${describeValue(sink)}`);
    }
    const run = this.#start<T>(validateRunOptions(options, 'to(options)'));
    const batched = sinkDescriptorOf(sink);
    return batched ? run.drainBatchesInto(batched.run as never) : run.drainInto(sink);
  }

  /** Collects every item. */
  toArray(options?: RunOptions): Promise<T[]> {
    return this.#start<T>(validateRunOptions(options, 'toArray(options)')).collect();
  }

  /** Iterates the items with run options; `break` stops the run and releases the source. */
  iterate(options?: RunOptions): AsyncIterableIterator<T> {
    const opts = validateRunOptions(options, 'iterate(options)');
    let run: Run<T> | undefined;
    let items: AsyncIterator<T> | undefined;
    let returned = false;
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
        if (run) await run.settleAfterReturn();
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
    inputToBatches(input, limits, { opened() {}, released() {}, cleanupError() {}, bounded: (p) => p }, 'from(input)');
  }
  const name = Array.isArray(input) ? 'array' : (input as object).constructor?.name || 'source';
  return { name, open: (_ctx, hooks) => inputToBatches<T>(input, limits, hooks, 'from(input)') };
}

/**
 * Starts a pipeline from an array, an iterable, an async iterable, a Node readable, a Web
 * `ReadableStream`, or a function returning one of those (called on the first pull of each run).
 *
 * @example
 * ```ts
 * const report = await from([1, 2, 3]).pipe(async function* double(source) {
 *   for await (const n of source) yield n * 2;
 * }).run();
 * report.items; // 3
 * ```
 */
export function from<B extends Uint8Array>(input: B | ((ctx: StageContext) => B | Promise<B>), options?: FromOptions): Pipeline<B>;
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
    if (options.batchBytes !== undefined) bytes = validateInteger(options.batchBytes, 'from(input, options).batchBytes', 1, Infinity);
  }
  return new Pipeline<Awaited<T>>({ source: sourceFrom(input, { size, bytes }) as SourceSpec<unknown>, stages: [] });
}

/**
 * Starts a pipeline from a resource the run owns: `open` on the first pull, `read` batch after
 * batch, `close` exactly once — the moment `read` reports the end, or on error, abort or early exit.
 */
export function fromResource<R, T>(options: ResourceSourceOptions<R, T>): Pipeline<T> {
  return new Pipeline<T>({ source: resourceSpec(options) as SourceSpec<unknown>, stages: [] });
}

/** A reusable typed chain of stages: itself a `Stage`, and inlined (and fused) when piped. */
export interface Chain<In, Out> extends Stage<In, Out> {
  /** Appends a list of stages assembled at run time; the result's output type is not inferred. */
  pipe(stages: readonly Stage<any, any>[]): Chain<In, unknown>;
  pipe<A>(s1: Stage<Out, A>): Chain<In, A>;
  pipe<A, B>(s1: Stage<Out, A>, s2: Stage<A, B>): Chain<In, B>;
  pipe<A, B, C>(s1: Stage<Out, A>, s2: Stage<A, B>, s3: Stage<B, C>): Chain<In, C>;
  pipe<A, B, C, D>(s1: Stage<Out, A>, s2: Stage<A, B>, s3: Stage<B, C>, s4: Stage<C, D>): Chain<In, D>;
  pipe<A, B, C, D, E>(s1: Stage<Out, A>, s2: Stage<A, B>, s3: Stage<B, C>, s4: Stage<C, D>, s5: Stage<D, E>): Chain<In, E>;
  pipe<A, B, C, D, E, F>(s1: Stage<Out, A>, s2: Stage<A, B>, s3: Stage<B, C>, s4: Stage<C, D>, s5: Stage<D, E>, s6: Stage<E, F>): Chain<In, F>;
  pipe<A, B, C, D, E, F, G>(s1: Stage<Out, A>, s2: Stage<A, B>, s3: Stage<B, C>, s4: Stage<C, D>, s5: Stage<D, E>, s6: Stage<E, F>, s7: Stage<F, G>): Chain<In, G>;
  pipe<A, B, C, D, E, F, G, H>(s1: Stage<Out, A>, s2: Stage<A, B>, s3: Stage<B, C>, s4: Stage<C, D>, s5: Stage<D, E>, s6: Stage<E, F>, s7: Stage<F, G>, s8: Stage<G, H>): Chain<In, H>;
  pipe<A, B, C, D, E, F, G, H, I>(s1: Stage<Out, A>, s2: Stage<A, B>, s3: Stage<B, C>, s4: Stage<C, D>, s5: Stage<D, E>, s6: Stage<E, F>, s7: Stage<F, G>, s8: Stage<G, H>, s9: Stage<H, I>): Chain<In, I>;
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
    pipe: (...stages: unknown[]) => makeChain([...specs, ...stageSpecs(flatten(stages), 'chain().pipe()', specs.length)]),
  }) as unknown as Chain<In, Out>;
}

/**
 * Starts a reusable chain whose input type is `T`.
 *
 * @example
 * ```ts
 * const exporter = chain<number>().pipe(async function* label(source) {
 *   for await (const n of source) yield `#${n}`;
 * });
 * await from([1, 2]).pipe(exporter).toArray(); // ['#1', '#2']
 * ```
 */
export function chain<T>(): Chain<T, T> {
  return makeChain<T, T>([]);
}
