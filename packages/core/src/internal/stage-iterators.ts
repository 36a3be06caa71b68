import { SluiceTypeError } from '../errors.js';
import { reportCleanupError } from '../kit/cleanup.js';
import { describeValue } from '../kit/describe.js';
import type { BatchKernel, SyncKernel } from '../fusion.js';
import { isThenable } from '../kit/iteration.js';
import { DONE, type BatchIterator, type DemandHint } from './protocol.js';
import type { Stage, StageContext } from '../types.js';
import type { Link } from './link.js';

/** One entry of a pipeline's plan, as the builder recorded it. */
export type StageSpec =
  | { readonly kind: 'sync'; readonly kernel: SyncKernel<unknown, unknown> }
  | { readonly kind: 'batch'; readonly kernel: BatchKernel<unknown, unknown> }
  | {
      readonly kind: 'item';
      readonly stage: Stage<unknown, unknown>;
      readonly name: string;
      /** Where and which it is, for errors: "pipe(): stage 2 (toRows)". */
      readonly label: string;
    };

export const STAGE_HINT = 'did you mean `async function*`, or `.to()` for a sink?';

/** Mutable per-stage counters, turned into a StageReport when the run settles. */
export interface StageStats {
  readonly name: string;
  readonly fused: boolean;
  itemsIn: number;
  itemsOut: number;
  timeMs: number;
}

/** What an `ItemView` does at the end of its items, and when its consumer returns it. */
export interface ItemViewHooks {
  /** The consumer returned the view (`break`, a sink that stops early). */
  returned(): Promise<unknown>;
  /**
   * The items ended or failed: the view's consumer waits for this before it hears of the end
   * (`iterate()` settles the run first, and a rejection replaces the error). Absent: nothing to wait for.
   */
  readonly ending?: (() => Promise<unknown>) | undefined;
}

/**
 * The items of a link's batches, as the per-item `AsyncIterable` a user stage or sink consumes.
 * An item costs its consumer one promise when the batch is spent (the pull's, mapped), none
 * while a batch lasts beyond the resolved result.
 */
export class ItemView<T> implements AsyncIterableIterator<T> {
  private batch: T[] = [];
  private index = 0;
  private before = 0;
  /** The pull in progress: the protocol lets a consumer call next() again before it settles. */
  private pulling: Promise<IteratorResult<T>> | undefined;

  constructor(
    private readonly pullBatch: () => Promise<IteratorResult<T[], undefined>>,
    private readonly hooks: ItemViewHooks,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.pulling) {
      const after = () => this.next();
      return this.pulling.then(after, after);
    }
    if (this.index < this.batch.length) {
      return Promise.resolve({ done: false, value: this.batch[this.index++] as T });
    }
    const pulling = this.pullBatch().then(this.arrived, this.failed);
    // An empty batch makes arrived() pull again, which sets `pulling` to the new pull.
    if (this.pulling === undefined) this.pulling = pulling;
    return pulling;
  }

  private readonly arrived = (r: IteratorResult<T[], undefined>): IteratorResult<T> | Promise<IteratorResult<T>> => {
    this.pulling = undefined;
    if (r.done) {
      const ending = this.hooks.ending;
      return ending ? ending().then(() => DONE) : DONE;
    }
    if (r.value.length === 0) return this.next();
    this.before += this.batch.length;
    this.batch = r.value;
    this.index = 1;
    return { done: false, value: r.value[0] as T };
  };

  private readonly failed = (error: unknown): Promise<never> => {
    this.pulling = undefined;
    const ending = this.hooks.ending;
    return ending
      ? ending().then(() => {
          throw error;
        })
      : Promise.reject(error);
  };

  /** Items handed to the consumer so far. */
  get delivered(): number {
    return this.before + this.index;
  }

  async return(): Promise<IteratorResult<T>> {
    this.before += this.index;
    this.batch = [];
    this.index = 0;
    await this.hooks.returned();
    return DONE;
  }
}

function asyncIteratorOf<T>(iterable: unknown, stage: string, ctx: StageContext): AsyncIterator<T> {
  const method = (iterable as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator];
  if (typeof method !== 'function') {
    let hint = '';
    if (isThenable(iterable)) {
      hint = `; ${STAGE_HINT}`;
      // It already started reading its input, and rejects with the run's error when torn down:
      // that must not become an unhandled rejection (anything else it throws is reported).
      iterable.then(undefined, (error: unknown) => reportCleanupError(ctx.signal, error, stage));
    } else if (typeof iterable === 'function') {
      hint = '; it looks like an operator factory given uncalled: call it with its arguments';
    }
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_STAGE',
      `${stage} must return an async iterable, but returned ${describeValue(iterable)}${hint}`,
    );
  }
  const it = (method as () => AsyncIterator<T>).call(iterable);
  if (typeof (it as AsyncIterator<T> | null)?.next !== 'function') {
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_ITERATOR',
      `${stage}: [Symbol.asyncIterator]() must return an iterator with a next() method, got ${describeValue(it)}`,
    );
  }
  return it;
}

function isResult(r: unknown): r is IteratorResult<unknown> {
  return r !== null && typeof r === 'object';
}

/**
 * A stage's iterator gave a result that is not an object, where `for await` throws a TypeError
 * and leaves the iterator open. The run fails with a coded TypeError, and the iterator is returned
 * first (within the cleanupTimeout): it may hold what its stage opened.
 */
async function rejectBroken(
  it: AsyncIterator<unknown>,
  r: unknown,
  stage: string,
  ctx: StageContext,
  bounded: (closing: Promise<void>) => Promise<void>,
): Promise<never> {
  const closing = (async () => {
    await it.return?.();
  })().catch((error: unknown) => reportCleanupError(ctx.signal, error, stage));
  await bounded(closing);
  throw new SluiceTypeError(
    'ERR_SLUICE_INVALID_ITERATOR',
    `${stage}: next() must return an object (a promise of { done, value }), got ${describeValue(r)}`,
  );
}

/**
 * Calls a user's stage. An operator factory given uncalled (`pipe(map)`) rejects our input with
 * its own argument error ("got an instance of ItemView"), which explains nothing: say what happened.
 */
function callStage(
  spec: { readonly stage: Stage<unknown, unknown>; readonly label: string; readonly name: string },
  input: AsyncIterable<unknown>,
  ctx: StageContext,
): unknown {
  try {
    return spec.stage(input, ctx);
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && code.startsWith('ERR_SLUICE_') && code !== 'ERR_SLUICE_INVALID_STAGE') {
      // Show the call with the factory's own first parameter: map(fn), batch(options), take(n).
      const first = /^[^(]*\(\s*([A-Za-z_$][\w$]*)/.exec(Function.prototype.toString.call(spec.stage))?.[1] ?? '…';
      throw new SluiceTypeError(
        'ERR_SLUICE_INVALID_STAGE',
        `${spec.label} is an operator factory: call it, e.g. ${spec.stage.name || 'factory'}(${first}), and pipe the stage it returns (given the stage's input, it said: ${(error as Error).message})`,
      );
    }
    throw error;
  }
}

/**
 * What sets a stage apart: how its iterator is made from its input link, what one of its results
 * is as a batch, and how errors name it.
 */
interface StageShape {
  /** Names the stage in a broken-iterator error. */
  readonly name: string;
  /** `itemwise()` tells whether the last pull of the stage's output was itemwise (6.2c). */
  open(input: Link<unknown>, ctx: StageContext, itemwise: () => boolean | undefined): AsyncIterator<unknown>;
  /** Each result is one item (a user's stage), or a batch already (a batch stage). */
  readonly yieldsItems: boolean;
}

/** An opaque per-item stage (a user's async generator): a fusion boundary, batches of one out. Its input is read itemwise. */
export function itemStage(spec: {
  readonly stage: Stage<unknown, unknown>;
  readonly name: string;
  readonly label: string;
}): StageShape {
  return {
    name: spec.label,
    open(input, ctx) {
      const view = new ItemView(() => input.next(undefined, true), {
        // Already bounded by cleanupTimeout and tracked in report.closed (Link.close()).
        returned: async () => input.close(),
      });
      return asyncIteratorOf(callStage(spec, view, ctx), spec.label, ctx);
    },
    yieldsItems: true,
  };
}

/** An asynchronous batch operator: consumes and produces whole batches, pulling itemwise when its own puller does. */
export function batchStage(kernel: BatchKernel<unknown, unknown>): StageShape {
  return {
    name: kernel.name,
    open(input, ctx, itemwise) {
      const batches: AsyncIterableIterator<unknown[]> = {
        [Symbol.asyncIterator]() {
          return this;
        },
        next: () => input.next(undefined, itemwise()),
        return: async () => {
          await input.close();
          return DONE;
        },
      };
      return asyncIteratorOf(kernel.run(batches, ctx), `stage ${kernel.name}`, ctx);
    },
    yieldsItems: false,
  };
}

/** The runner's hold on a stage that is not fused: its iterator, opened on the first pull, returned once. */
export class StageIterator implements BatchIterator<unknown> {
  private it: AsyncIterator<unknown> | undefined;
  private ended = false;
  private itemwise: boolean | undefined;
  private readonly yieldsItems: boolean;

  constructor(
    private readonly input: Link<unknown>,
    private readonly shape: StageShape,
    private readonly ctx: StageContext,
    /** Waits for a close within the run's cleanupTimeout, tracking it in report.closed. */
    private readonly bounded: (closing: Promise<void>) => Promise<void>,
  ) {
    this.yieldsItems = shape.yieldsItems;
  }

  async next(_hint?: DemandHint, itemwise?: boolean): Promise<IteratorResult<unknown[], undefined>> {
    if (this.ended) return DONE;
    this.itemwise = itemwise;
    this.it ??= this.shape.open(this.input, this.ctx, () => this.itemwise);
    const r: unknown = await this.it.next();
    if (!isResult(r)) {
      this.ended = true;
      return rejectBroken(this.it, r, this.shape.name, this.ctx, this.bounded);
    }
    if (r.done) {
      this.ended = true;
      return DONE;
    }
    return { done: false, value: this.yieldsItems ? [r.value] : (r.value as unknown[]) };
  }

  async return(): Promise<unknown> {
    if (this.ended) return DONE;
    this.ended = true;
    if (!this.it) return this.input.close();
    return this.it.return?.();
  }
}
