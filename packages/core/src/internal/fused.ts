import type { KernelInstance, SyncKernel } from '../fusion.js';
import { DONE, type BatchIterator, type DemandHint } from './protocol.js';
import type { StageContext } from '../types.js';
import { CompiledGroup } from './compile.js';
import type { Link } from './link.js';
import type { StageStats } from './stage-iterators.js';
import { Stopwatch } from './stopwatch.js';

/** One step of a fused run: a compiled group of map/filter/tap, or one kernel. */
interface Step {
  readonly instance: KernelInstance<unknown, unknown>;
  /** Indexes into the stats of the kernels this step covers. */
  readonly from: number;
  readonly to: number;
  readonly group: CompiledGroup | undefined;
  readonly watch: Stopwatch;
  /** Items this step produced. */
  outItems: number;
}

/** A run of adjacent synchronous operators fused into one loop over batches. */
export class FusedIterator implements BatchIterator<unknown> {
  private readonly steps: Step[] = [];
  private readonly instances: (KernelInstance<unknown, unknown> | undefined)[];
  private finished = false;

  constructor(
    private readonly input: Link<unknown>,
    private readonly kernels: readonly SyncKernel<unknown, unknown>[],
    ctx: StageContext,
    private readonly stats: readonly StageStats[],
  ) {
    this.instances = kernels.map(() => undefined);
    for (let i = 0; i < kernels.length; ) {
      let j = i;
      while (j < kernels.length && kernels[j]!.inline) j++;
      if (j > i) {
        const group = new CompiledGroup(kernels.slice(i, j).map((k) => k.inline!), ctx);
        this.steps.push({ instance: group, from: i, to: j, group, watch: new Stopwatch(), outItems: 0 });
        i = j;
      } else {
        const instance = kernels[i]!.create(ctx);
        this.instances[i] = instance;
        this.steps.push({ instance, from: i, to: i + 1, group: undefined, watch: new Stopwatch(), outItems: 0 });
        i++;
      }
    }
  }

  /** How many input items the fused kernels can still use, given what downstream can use. */
  private demand(hint: DemandHint): number {
    let d = hint ?? Infinity;
    for (let i = this.kernels.length - 1; i >= 0; i--) {
      const want = this.instances[i]?.want?.() ?? Infinity;
      // Nothing wanted downstream means nothing needed upstream, whatever the operator.
      d = Math.min(want, this.kernels[i]!.oneToOne || d === 0 ? d : Infinity);
    }
    return d;
  }

  next(hint?: DemandHint): Promise<IteratorResult<unknown[], undefined>> {
    if (this.failed) return Promise.reject(this.takeFailure());
    if (this.finished) return Promise.resolve(DONE);
    const demand = this.demand(hint);
    if (demand <= 0) return this.end(0, undefined);
    return this.input.next(demand === Infinity ? undefined : demand).then((r) => this.process(r, hint));
  }

  /**
   * An operator threw in the middle of a batch. Item by item, the items before the failing one
   * would have gone all the way down before the error: so the outputs made so far go on, and the
   * error is thrown at the next pull. A later operator failing on that partial batch failed first.
   */
  private failed: { readonly error: unknown } | undefined;

  private takeFailure(): unknown {
    const { error } = this.failed!;
    this.failed = undefined;
    this.finished = true;
    return error;
  }

  private pushSync(step: Step, batch: readonly unknown[], out: unknown[]): boolean | Promise<boolean> {
    try {
      return step.instance.push(batch, out);
    } catch (error) {
      this.failed = { error };
      return true;
    }
  }

  private process(
    r: IteratorResult<unknown[], undefined>,
    hint: DemandHint,
  ): Promise<IteratorResult<unknown[], undefined>> | IteratorResult<unknown[], undefined> {
    if (r.done) return this.end(0, []);
    let batch: readonly unknown[] = r.value;
    for (let s = 0; s < this.steps.length; s++) {
      const step = this.steps[s]!;
      const out: unknown[] = [];
      const started = step.watch.start(batch.length);
      const pushed = this.pushSync(step, batch, out);
      if (typeof pushed !== 'boolean') return this.processAsync(s, batch, out, pushed, started, hint);
      this.account(step, batch.length, out.length, started);
      batch = out;
      if (!pushed) return this.stopAt(step, batch);
      if (batch.length === 0) break;
    }
    return this.deliver(batch, hint);
  }

  /** The same as process(), from step `s` on, once a step had to wait for a promise. */
  private async processAsync(
    s: number,
    input: readonly unknown[],
    firstOut: unknown[],
    pending: Promise<boolean>,
    started: number,
    hint: DemandHint,
  ): Promise<IteratorResult<unknown[], undefined>> {
    let more = await pending.catch((error: unknown) => {
      this.failed = { error };
      return true;
    });
    let batch: readonly unknown[] = firstOut;
    this.account(this.steps[s]!, input.length, firstOut.length, started);
    for (;;) {
      if (!more) return this.stopAt(this.steps[s]!, batch);
      if (++s >= this.steps.length || batch.length === 0) break;
      const step = this.steps[s]!;
      const out: unknown[] = [];
      const t0 = step.watch.start(batch.length);
      try {
        more = await step.instance.push(batch, out);
      } catch (error) {
        this.failed = { error };
        more = true;
      }
      this.account(step, batch.length, out.length, t0);
      batch = out;
    }
    return this.deliver(batch, hint);
  }

  /** A `take` is satisfied: an item that failed further up would never have been reached. */
  private stopAt(step: Step, batch: readonly unknown[]): Promise<IteratorResult<unknown[], undefined>> {
    this.failed = undefined;
    return this.end(step.to, batch as unknown[]);
  }

  private deliver(
    batch: readonly unknown[],
    hint: DemandHint,
  ): Promise<IteratorResult<unknown[], undefined>> | IteratorResult<unknown[], undefined> {
    if (batch.length > 0) return { done: false, value: batch as unknown[] };
    if (this.failed) throw this.takeFailure();
    return this.next(hint);
  }

  private account(step: Step, inCount: number, outCount: number, started: number): void {
    step.watch.stop(started, inCount);
    step.outItems += outCount;
    if (step.group) return; // compiled groups count inside the loop; read in report()
    const stat = this.stats[step.from]!;
    stat.itemsIn += inCount;
    stat.itemsOut += outCount;
    stat.timeMs = step.watch.ms;
  }

  /** Brings the stats of compiled groups up to date (their loop counts items per stage). */
  report(): void {
    for (const step of this.steps) {
      if (!step.group) continue;
      const counts = step.group.counts;
      for (let k = step.from; k < step.to; k++) {
        const stat = this.stats[k]!;
        stat.itemsIn = counts[k - step.from]!;
        stat.itemsOut = k + 1 < step.to ? counts[k + 1 - step.from]! : step.outItems;
        stat.timeMs = step.watch.ms;
      }
    }
  }

  /**
   * The input ended (`from` = 0) or kernel `from - 1` wants nothing more: release upstream now,
   * then flush the kernels from `from` on, each flush feeding the next kernel.
   */
  private async end(from: number, carried: unknown[] | undefined): Promise<IteratorResult<unknown[], undefined>> {
    this.finished = true;
    if (carried === undefined || from > 0) await this.input.close();
    let batch = carried ?? [];
    for (const step of this.steps) {
      if (step.to <= from) continue;
      const out: unknown[] = [];
      if (batch.length > 0) await step.instance.push(batch, out);
      step.instance.flush?.(out);
      this.account(step, batch.length, out.length, -1);
      batch = out;
    }
    return batch.length > 0 ? { done: false, value: batch } : DONE;
  }

  async return(): Promise<unknown> {
    this.finished = true;
    return this.input.close();
  }
}
