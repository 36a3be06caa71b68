import { SluiceTypeError, describe } from '../errors.js';
import type { BatchKernel, KernelInstance, SyncKernel } from '../fusion.js';
import { DONE, type BatchIterator } from '../source.js';
import type { Stage, StageContext } from '../types.js';
import type { Link } from './link.js';

/** One entry of a pipeline's plan, as the builder recorded it. */
export type StageSpec =
  | { readonly kind: 'sync'; readonly kernel: SyncKernel<unknown, unknown> }
  | { readonly kind: 'batch'; readonly kernel: BatchKernel<unknown, unknown> }
  | { readonly kind: 'item'; readonly stage: Stage<unknown, unknown>; readonly name: string };

/** Mutable per-stage counters, turned into a StageReport when the run settles. */
export interface StageStats {
  readonly name: string;
  readonly fused: boolean;
  itemsIn: number;
  itemsOut: number;
  timeMs: number;
}

/** A run of adjacent synchronous operators fused into one loop over batches. */
export class FusedIterator implements BatchIterator<unknown> {
  private readonly instances: KernelInstance<unknown, unknown>[];
  private finished = false;

  constructor(
    private readonly input: Link<unknown>,
    private readonly kernels: readonly SyncKernel<unknown, unknown>[],
    ctx: StageContext,
    private readonly stats: readonly StageStats[],
  ) {
    this.instances = kernels.map((k) => k.create(ctx));
  }

  /** How many input items the fused kernels can still use, given what downstream can use. */
  private demand(hint: number | undefined): number {
    let d = hint ?? Infinity;
    for (let i = this.instances.length - 1; i >= 0; i--) {
      const want = this.instances[i]!.want?.() ?? Infinity;
      d = Math.min(want, this.kernels[i]!.oneToOne ? d : Infinity);
    }
    return d;
  }

  async next(hint?: number): Promise<IteratorResult<unknown[], undefined>> {
    while (!this.finished) {
      const demand = this.demand(hint);
      if (demand <= 0) return this.end(0, undefined);
      const r = await this.input.next(demand === Infinity ? undefined : demand);
      if (r.done) return this.end(0, []);
      let batch: readonly unknown[] = r.value;
      let stoppedAt = -1;
      for (let i = 0; i < this.instances.length && batch.length > 0; i++) {
        const out: unknown[] = [];
        const stat = this.stats[i]!;
        const t0 = performance.now();
        const pushed = this.instances[i]!.push(batch, out);
        const more = typeof pushed === 'boolean' ? pushed : await pushed;
        stat.timeMs += performance.now() - t0;
        stat.itemsIn += batch.length;
        stat.itemsOut += out.length;
        batch = out;
        if (!more && stoppedAt < 0) stoppedAt = i;
      }
      if (stoppedAt >= 0) return this.end(stoppedAt + 1, batch as unknown[]);
      if (batch.length > 0) return { done: false, value: batch as unknown[] };
    }
    return DONE;
  }

  /**
   * The input ended (`from` = 0) or kernel `from - 1` wants nothing more: release upstream now,
   * then flush the kernels from `from` on, each flush feeding the next kernel.
   */
  private async end(from: number, carried: unknown[] | undefined): Promise<IteratorResult<unknown[], undefined>> {
    this.finished = true;
    if (carried === undefined || from > 0) await this.input.close();
    let batch = carried ?? [];
    for (let i = from; i < this.instances.length; i++) {
      const instance = this.instances[i]!;
      const stat = this.stats[i]!;
      const out: unknown[] = [];
      if (batch.length > 0) {
        await instance.push(batch, out);
        stat.itemsIn += batch.length;
      }
      instance.flush?.(out);
      stat.itemsOut += out.length;
      batch = out;
    }
    return batch.length > 0 ? { done: false, value: batch } : DONE;
  }

  async return(): Promise<unknown> {
    this.finished = true;
    return this.input.close();
  }
}

/** The items of a link's batches, as the per-item `AsyncIterable` a user stage or sink consumes. */
export class ItemView<T> implements AsyncIterableIterator<T> {
  private batch: T[] = [];
  private index = 0;
  private before = 0;

  constructor(
    private readonly pullBatch: () => Promise<IteratorResult<T[], undefined>>,
    private readonly onReturn: () => Promise<unknown>,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.index < this.batch.length) {
      return Promise.resolve({ done: false, value: this.batch[this.index++] as T });
    }
    return this.pull();
  }

  private async pull(): Promise<IteratorResult<T>> {
    for (;;) {
      const r = await this.pullBatch();
      if (r.done) return DONE;
      if (r.value.length > 0) {
        this.before += this.batch.length;
        this.batch = r.value;
        this.index = 1;
        return { done: false, value: r.value[0] as T };
      }
    }
  }

  /** Items handed to the consumer so far. */
  get delivered(): number {
    return this.before + this.index;
  }

  async return(): Promise<IteratorResult<T>> {
    this.before += this.index;
    this.batch = [];
    this.index = 0;
    await this.onReturn();
    return DONE;
  }
}

function asyncIteratorOf<T>(iterable: unknown, stage: string): AsyncIterator<T> {
  const method = (iterable as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator];
  if (typeof method !== 'function') {
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_STAGE',
      `stage ${stage} must return an async iterable, but returned ${describe(iterable)}`,
    );
  }
  return (method as () => AsyncIterator<T>).call(iterable);
}

/** An opaque per-item stage (a user's async generator): a fusion boundary, batches of one out. */
export class ItemStageIterator implements BatchIterator<unknown> {
  private it: AsyncIterator<unknown> | undefined;
  private ended = false;

  constructor(
    private readonly input: Link<unknown>,
    private readonly spec: { readonly stage: Stage<unknown, unknown>; readonly name: string },
    private readonly ctx: StageContext,
  ) {}

  async next(): Promise<IteratorResult<unknown[], undefined>> {
    if (this.ended) return DONE;
    this.it ??= asyncIteratorOf(this.spec.stage(
      new ItemView(
        () => this.input.next(),
        async () => this.input.close(),
      ),
      this.ctx,
    ), this.spec.name);
    const r = await this.it.next();
    if (r.done) {
      this.ended = true;
      return DONE;
    }
    return { done: false, value: [r.value] };
  }

  async return(): Promise<unknown> {
    if (this.ended) return DONE;
    this.ended = true;
    if (!this.it) return this.input.close();
    return this.it.return?.();
  }
}

/** An asynchronous batch operator: consumes and produces whole batches. */
export class BatchStageIterator implements BatchIterator<unknown> {
  private it: AsyncIterator<unknown[]> | undefined;
  private ended = false;

  constructor(
    private readonly input: Link<unknown>,
    private readonly kernel: BatchKernel<unknown, unknown>,
    private readonly ctx: StageContext,
  ) {}

  async next(): Promise<IteratorResult<unknown[], undefined>> {
    if (this.ended) return DONE;
    if (!this.it) {
      const input = this.input;
      const batches: AsyncIterableIterator<unknown[]> = {
        [Symbol.asyncIterator]() {
          return this;
        },
        next: () => input.next(),
        return: async () => {
          await input.close();
          return DONE;
        },
      };
      this.it = asyncIteratorOf(this.kernel.run(batches, this.ctx), this.kernel.name);
    }
    const r = await this.it.next();
    if (r.done) {
      this.ended = true;
      return DONE;
    }
    return { done: false, value: r.value };
  }

  async return(): Promise<unknown> {
    if (this.ended) return DONE;
    this.ended = true;
    if (!this.it) return this.input.close();
    return this.it.return?.();
  }
}
