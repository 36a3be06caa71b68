import { SluiceTypeError } from './errors.js';
import { describeValue } from './kit/describe.js';
import { CompiledGroup } from './internal/compile.js';
import { INLINE_KINDS, isInlineKind, type InlineKind } from './internal/inline-semantics.js';
import type { Sink, Stage, StageContext } from './types.js';
import type { DemandBatches } from './internal/protocol.js';
import { validateBoolean, validateFunction, validateKeys, validateObject } from './validate.js';

/**
 * The fusion protocol. An operator exported as a plain `Stage` carries one of these descriptors
 * under `kSluiceStage`; the builder reads it to run the operator on batches, and to fuse runs of
 * adjacent synchronous operators into one loop. A stage without a descriptor is opaque: it still
 * works, item by item, and forms a fusion boundary. See docs/adr/0001-batches-and-fusion.md.
 */
export const kSluiceStage: unique symbol = Symbol.for('sluice.stage') as never;

/** Per-run state of a synchronous operator. */
export interface KernelInstance<In, Out> {
  /**
   * Processes one batch, appending outputs to `out`. Returns `false` once the operator wants no
   * more input (`take` reached its count): the runner then stops pulling and releases upstream.
   * Returns a promise only when it had to wait (a `map` whose function returned a promise); the
   * synchronous path allocates no promise.
   */
  push(batch: readonly In[], out: Out[]): boolean | Promise<boolean>;
  /** Called once when the input ended, to emit what the operator still holds. */
  flush?(out: Out[]): void;
  /** At most how many more input items the operator can use; absent means no bound. */
  want?(): number;
}

/**
 * The per-item form of the simplest operators, made by `defineInlineStage`. When several of them
 * are adjacent, the runner compiles them into one generated loop (see internal/compile.ts) in
 * which `fn(item, { signal, index })` is called at its own call site. What `op` does with the
 * result (map: replace, filter: keep when truthy, tap: pass through) is the table in
 * internal/inline-semantics.ts; a promise result is awaited.
 */
export interface InlineOp {
  readonly op: InlineKind;
  /** The user's function, called with the item and `{ signal, index }`. */
  readonly fn: (item: any, ctx: { readonly signal: AbortSignal; readonly index: number }) => unknown;
}

/** A synchronous operator: fusable with its neighbours. */
export interface SyncKernel<In, Out> {
  readonly kind: 'sync';
  readonly name: string;
  /** One output per input (map, tap): lets a downstream `take` bound how much is pulled. */
  readonly oneToOne: boolean;
  /** Makes the per-run state (one instance per run). */
  create(ctx: StageContext): KernelInstance<In, Out>;
  /** Present on stages made by `defineInlineStage`: lets adjacent ones compile into one loop. */
  readonly inline?: InlineOp;
}

/** An asynchronous operator that works on whole batches (text, bytes, CSV, …). */
export interface BatchKernel<In, Out> {
  readonly kind: 'batch';
  readonly name: string;
  /** Transforms the upstream batches into output batches; `ctx.signal` aborts with the run. */
  run(source: AsyncIterable<In[]>, ctx: StageContext): AsyncIterable<Out[]>;
}

/** What a fusable stage carries under `kSluiceStage`: a synchronous or a batch kernel. */
export type StageDescriptor<In, Out> = SyncKernel<In, Out> | BatchKernel<In, Out>;

/** A `Stage` that the builder can run on batches. */
export type FusableStage<In, Out> = Stage<In, Out> & { readonly [kSluiceStage]: StageDescriptor<In, Out> };

export function descriptorOf(stage: unknown): StageDescriptor<unknown, unknown> | undefined {
  return typeof stage === 'function' ? (stage as Partial<FusableStage<unknown, unknown>>)[kSluiceStage] : undefined;
}

/** The name of a defined stage or sink: it names the function, the reports and the errors. */
function validateName(name: unknown, where: string): string {
  if (typeof name !== 'string' || name === '') {
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_ARGUMENT',
      `${where}: name must be a non-empty string, got ${describeValue(name)}`,
    );
  }
  return name;
}

function validateSyncOptions(options: unknown): void {
  const where = 'defineSyncStage(name, create, options)';
  validateObject(options, where);
  validateKeys(options, ['oneToOne'], where);
  if (options.oneToOne !== undefined) validateBoolean(options.oneToOne, `${where}.oneToOne`);
}

function named<F extends (...args: never[]) => unknown>(fn: F, name: string): F {
  Object.defineProperty(fn, 'name', { value: name, configurable: true });
  return fn;
}

/**
 * Defines a synchronous operator. The returned function is an ordinary `Stage` (it works item by
 * item in Node's `pipeline()` or any other host) that the sluice builder fuses with its
 * neighbours and runs on batches.
 *
 * Contract:
 * - `create(ctx)` is called once per run (state lives in its closure); `push(batch, out)` appends
 *   outputs to `out` and returns `false` to end the stage early (upstream is released at once);
 *   `flush(out)`, if given, runs at the end of the input.
 * - `want()` tells the source how many more items the stage can use (`take`); `oneToOne: true`
 *   promises one output per input, so a downstream bound passes through.
 * - `name` names the stage in reports and errors; bad arguments throw coded errors at call time.
 *
 * @example
 * ```ts doctest
 * const double = defineSyncStage<number, number>('double', () => ({
 *   push(batch, out) {
 *     for (const n of batch) out.push(n * 2);
 *     return true;
 *   },
 * }), { oneToOne: true });
 * await from([1, 2, 3]).pipe(double).toArray(); // => [2, 4, 6]
 * ```
 */
export function defineSyncStage<In, Out>(
  name: string,
  create: (ctx: StageContext) => KernelInstance<In, Out>,
  options: { oneToOne?: boolean } = {},
): FusableStage<In, Out> {
  validateName(name, 'defineSyncStage(name, create)');
  validateFunction(create, 'defineSyncStage(name, create)');
  validateSyncOptions(options);
  return syncStage({ kind: 'sync', name, oneToOne: options.oneToOne === true, create });
}

/**
 * Defines an operator that calls `fn(item, { signal, index })` once per item, in order, and does
 * with the result what its `kind` says: `'map'` passes the result on, `'filter'` keeps the item
 * when the result is truthy, `'tap'` passes the item on. A promise result is awaited before the
 * next call. Adjacent inline stages are compiled into one loop; outside sluice the stage works
 * item by item.
 *
 * Contract:
 * - Order is kept; no read-ahead; `fn`'s error (or its promise's rejection) fails the run unchanged.
 * - The context object belongs to the call until the call (and its promise) settles: `index` is
 *   the item's 0-based position in this stage's input. It is reused for the next call, so a
 *   callback must not keep it.
 *
 * @example
 * ```ts
 * const double = defineInlineStage<number, number>('map', 'double', (n) => n * 2);
 * await from([1, 2, 3]).pipe(double).toArray(); // [2, 4, 6]
 * ```
 */
export function defineInlineStage<In, Out>(kind: InlineKind, name: string, fn: InlineOp['fn']): FusableStage<In, Out> {
  const where = 'defineInlineStage(kind, name, fn)';
  if (!isInlineKind(kind)) {
    const kinds = Object.keys(INLINE_KINDS)
      .map((k) => `'${k}'`)
      .join(', ');
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_ARGUMENT',
      `${where}: kind must be one of ${kinds}, got ${describeValue(kind)}`,
    );
  }
  validateName(name, where);
  validateFunction(fn, `${where}: fn`);
  const inline: InlineOp = { op: kind, fn };
  // The uncompiled kernel (used item by item outside sluice) is a compiled group of one.
  const create = (ctx: StageContext) => new CompiledGroup([inline], ctx) as KernelInstance<In, Out>;
  return syncStage({ kind: 'sync', name, oneToOne: INLINE_KINDS[kind].oneToOne, create, inline });
}

/** The per-item `Stage` that carries a synchronous kernel (`create` runs once per use). */
function syncStage<In, Out>(kernel: SyncKernel<In, Out>): FusableStage<In, Out> {
  const { create } = kernel;
  const stage = named(async function* (source: AsyncIterable<In>, ctx: StageContext): AsyncGenerator<Out> {
    const instance = create(ctx);
    if (instance.want?.() === 0) return;
    const one: In[] = [];
    const out: Out[] = [];
    let more = true;
    for await (const item of source) {
      one[0] = item;
      const pushed = instance.push(one, out);
      more = typeof pushed === 'boolean' ? pushed : await pushed;
      for (let i = 0; i < out.length; i++) yield out[i] as Out;
      out.length = 0;
      if (!more) break;
    }
    if (more && instance.flush) {
      instance.flush(out);
      yield* out;
    }
  }, `${kernel.name}Stage`);
  return Object.assign(stage, { [kSluiceStage]: kernel }) as FusableStage<In, Out>;
}

/**
 * Defines an asynchronous operator that consumes and produces batches. Outside sluice it runs
 * item by item (each item is a batch of one); inside, it receives the batches the source made.
 *
 * Contract:
 * - `run(batches, ctx)` is called once per run, like a stage over batches; it must stop pulling
 *   and return when `ctx.signal` aborts, and its `finally` runs on every exit.
 * - Batches it yields are handed on as they are (an empty one is skipped); it is never fused.
 *
 * @example
 * ```ts doctest
 * const sizes = defineBatchStage<string, number>('sizes', async function* (batches) {
 *   for await (const batch of batches) yield [batch.length];
 * });
 * await from(['a', 'b', 'c'], { batchSize: 2 }).pipe(sizes).toArray(); // => [2, 1]
 * ```
 */
export function defineBatchStage<In, Out>(
  name: string,
  run: (source: AsyncIterable<In[]>, ctx: StageContext) => AsyncIterable<Out[]>,
): FusableStage<In, Out> {
  validateName(name, 'defineBatchStage(name, run)');
  validateFunction(run, 'defineBatchStage(name, run)');
  const kernel: BatchKernel<In, Out> = { kind: 'batch', name, run };
  const stage = named(async function* (source: AsyncIterable<In>, ctx: StageContext): AsyncGenerator<Out> {
    for await (const batch of run(singletons(source), ctx)) yield* batch;
  }, `${name}Stage`);
  return Object.assign(stage, { [kSluiceStage]: kernel }) as FusableStage<In, Out>;
}

async function* singletons<T>(source: AsyncIterable<T>): AsyncGenerator<T[]> {
  for await (const item of source) yield [item];
}

/** A sink that can consume whole batches (a writable that takes many items per write). */
export interface BatchSinkDescriptor<In, R> {
  readonly name: string;
  /** Consumes the batches; what it resolves with is what `pipeline.to(sink)` resolves with. */
  run(source: DemandBatches<In>, ctx: StageContext): Promise<R>;
}

/** The symbol under which a sink carries its `BatchSinkDescriptor` (see `defineBatchSink`). */
export const kSluiceSink: unique symbol = Symbol.for('sluice.sink') as never;

export function sinkDescriptorOf(sink: unknown): BatchSinkDescriptor<unknown, unknown> | undefined {
  return typeof sink === 'function'
    ? (sink as { [kSluiceSink]?: BatchSinkDescriptor<unknown, unknown> })[kSluiceSink]
    : undefined;
}

/**
 * Defines a sink that receives batches inside sluice. Outside it, it is an ordinary `Sink`
 * receiving items (each item a batch of one). Inside sluice, the batches' `next(hint)` takes an
 * optional number: the most items the sink can use, passed up through synchronous operators to a
 * source that cuts batches (`first()` asks for one).
 *
 * Contract:
 * - `run(batches, ctx)` is called once per run and its promise is the run's result; returning
 *   before the end stops the run (`stopped`) and releases the source.
 * - `name` names the sink in reports and errors; bad arguments throw coded errors at call time.
 *
 * @example
 * ```ts doctest
 * const count = defineBatchSink<unknown, number>('count', async (batches) => {
 *   let n = 0;
 *   for await (const batch of batches) n += batch.length;
 *   return n;
 * });
 * await from([1, 2, 3]).to(count); // => 3
 * ```
 */
export function defineBatchSink<In, R>(
  name: string,
  run: (source: DemandBatches<In>, ctx: StageContext) => Promise<R>,
): Sink<In, R> {
  validateName(name, 'defineBatchSink(name, run)');
  validateFunction(run, 'defineBatchSink(name, run)');
  const sink = named((source: AsyncIterable<In>, ctx: StageContext) => run(singletons(source), ctx), `${name}Sink`);
  return Object.assign(sink, { [kSluiceSink]: { name, run } });
}
