import type { KernelInstance, SyncKernel } from '../fusion.js';
import { DONE, type BatchIterator, type DemandHint, type ItemPuller, type PullRecord } from './protocol.js';
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
  /** An output array the last push left empty, to be filled next time. */
  spare: unknown[] | undefined;
}

/** What one input batch gave: a result to hand on, or undefined when the kernels kept or dropped it all. */
type Outcome = IteratorResult<unknown[], undefined> | undefined;

/** A run of adjacent synchronous operators fused into one loop over batches. */
export class FusedIterator implements BatchIterator<unknown> {
  private readonly steps: Step[] = [];
  private readonly instances: (KernelInstance<unknown, unknown> | undefined)[];
  private finished = false;
  /** Some kernel can want fewer items (a `take`): the demand must be asked for each pull. */
  private readonly limited: boolean;
  /**
   * An operator threw in the middle of a batch. Item by item, the items before the failing one
   * would have gone all the way down before the error: so the outputs made so far go on, and the
   * error is thrown at the next pull. A later operator failing on that partial batch failed first.
   */
  private failed: { readonly error: unknown } | undefined;
  /** The link this loop reports its pulls to (see `Link`): it adds no promise of its own. */
  private output: PullRecord<unknown> | undefined;
  /** What the loop waits for: an item from the source's iterator, a batch from the input link, or an outcome. */
  private waiting: 'item' | 'batch' | 'outcome' = 'outcome';
  /** The source's item puller, while `waiting` is 'item'. */
  private puller: ItemPuller<unknown> | undefined;

  constructor(
    private readonly input: Link<unknown>,
    private readonly kernels: readonly SyncKernel<unknown, unknown>[],
    ctx: StageContext,
    private readonly stats: readonly StageStats[],
  ) {
    this.instances = kernels.map(() => undefined);
    this.limited = false;
    for (let i = 0; i < kernels.length; ) {
      let j = i;
      while (j < kernels.length && kernels[j]!.inline) j++;
      if (j > i) {
        const group = new CompiledGroup(
          kernels.slice(i, j).map((k) => k.inline!),
          ctx,
        );
        this.steps.push({
          instance: group,
          from: i,
          to: j,
          group,
          watch: new Stopwatch(),
          outItems: 0,
          spare: undefined,
        });
        i = j;
      } else {
        const instance = kernels[i]!.create(ctx);
        this.instances[i] = instance;
        if (instance.want) this.limited = true;
        this.steps.push({
          instance,
          from: i,
          to: i + 1,
          group: undefined,
          watch: new Stopwatch(),
          outItems: 0,
          spare: undefined,
        });
        i++;
      }
    }
  }

  /** How many input items the fused kernels can still use, given what downstream can use. */
  private demand(hint: DemandHint): number {
    if (hint === undefined && !this.limited) return Infinity;
    let d = hint ?? Infinity;
    for (let i = this.kernels.length - 1; i >= 0; i--) {
      const want = this.instances[i]?.want?.() ?? Infinity;
      // Nothing wanted downstream means nothing needed upstream, whatever the operator.
      d = Math.min(want, this.kernels[i]!.oneToOne || d === 0 ? d : Infinity);
    }
    return d;
  }

  reportTo(record: PullRecord<unknown>): void {
    this.output = record;
  }

  /**
   * One async function per pull, whatever the batch sizes: input that the kernels drop (a filter,
   * a batch filling up) loops here instead of costing promises. A batch puller gets the batches an
   * async source cuts from what arrives before the loop turns (`AsyncItemSource`); an itemwise
   * puller (a user stage, `for await`) reads nothing ahead: each item is awaited straight from the
   * source's iterator (`Link.pullItem`). What to wait for next is decided by `advance`, what came
   * of it by `arrived`: both synchronous.
   */
  async next(hint?: DemandHint, itemwise?: boolean): Promise<IteratorResult<unknown[], undefined>> {
    try {
      for (;;) {
        let step: Outcome | Promise<unknown> = this.advance(hint, itemwise);
        while (step instanceof Promise) {
          let settled: unknown;
          try {
            settled = await step;
          } catch (error) {
            throw this.waitFailed(error);
          }
          step = this.arrived(settled);
        }
        if (step !== undefined) return this.output!.delivered(step);
      }
    } catch (error) {
      throw this.output!.failedWith(error);
    }
  }

  /** The result to hand on now, or the promise to wait for (`waiting` says what it is). */
  private advance(
    hint: DemandHint,
    itemwise: boolean | undefined,
  ): IteratorResult<unknown[], undefined> | Promise<unknown> {
    if (this.failed) throw this.takeFailure();
    if (this.finished) return DONE;
    const demand = this.demand(hint);
    const input = this.input;
    if (demand <= 0) {
      this.waiting = 'outcome';
      return this.end(0, undefined);
    }
    // Item by item, too, when the kernels or the puller can use only so many items and cannot say
    // how many inputs that takes (a take after a filter, first()): an async source then reads
    // nothing ahead of them. A demand they can state is a batch of that size.
    const byItem = itemwise || (demand === Infinity && (this.limited || hint !== undefined));
    const puller = byItem ? input.itemPuller : undefined;
    const pulled = puller === undefined ? undefined : input.pullItem(puller);
    if (pulled === undefined) {
      this.waiting = 'batch';
      return input.pull(demand === Infinity ? undefined : demand, byItem);
    }
    this.waiting = 'item';
    this.puller = puller;
    // A plain result (which `for await` tolerates) is awaited like a promise.
    return pulled instanceof Promise ? pulled : Promise.resolve(pulled);
  }

  /** What the awaited promise settled with, run through the kernels: a result, another promise, or undefined (pull again). */
  private arrived(settled: unknown): Outcome | Promise<unknown> {
    let batch: unknown[] | undefined;
    switch (this.waiting) {
      case 'outcome':
        return settled as Outcome;
      case 'item': {
        const item = this.input.tookItem(this.puller!, settled);
        batch = item.done ? undefined : [item.value];
        break;
      }
      case 'batch': {
        const r = settled as IteratorResult<unknown[], undefined>;
        batch = r.done ? undefined : r.value;
        break;
      }
    }
    this.waiting = 'outcome';
    return batch === undefined ? this.end(0, []) : this.process(batch);
  }

  private waitFailed(error: unknown): unknown {
    return this.waiting === 'item' ? this.input.lostItem(this.puller!, error) : error;
  }

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

  /** Runs the kernels on one input batch: what comes out, or undefined when nothing did (pull again). */
  private process(input: readonly unknown[]): Outcome | Promise<Outcome> {
    let batch = input;
    for (let s = 0; s < this.steps.length; s++) {
      const step = this.steps[s]!;
      // An output array that stayed empty was never handed on: the next push can fill it.
      const out = step.spare ?? [];
      step.spare = undefined;
      const started = step.watch.start(batch.length);
      const pushed = this.pushSync(step, batch, out);
      if (typeof pushed !== 'boolean') return this.processAsync(s, batch, out, pushed, started);
      this.account(step, batch.length, out.length, started);
      if (out.length === 0) step.spare = out;
      batch = out;
      if (!pushed) return this.stopAt(step, batch);
      if (batch.length === 0) break;
    }
    return this.deliver(batch);
  }

  /** The same as process(), from step `s` on, once a step had to wait for a promise. */
  private async processAsync(
    s: number,
    input: readonly unknown[],
    firstOut: unknown[],
    pending: Promise<boolean>,
    started: number,
  ): Promise<Outcome> {
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
    return this.deliver(batch);
  }

  /** A `take` is satisfied: an item that failed further up would never have been reached. */
  private stopAt(step: Step, batch: readonly unknown[]): Promise<IteratorResult<unknown[], undefined>> {
    this.failed = undefined;
    return this.end(step.to, batch as unknown[]);
  }

  private deliver(batch: readonly unknown[]): Outcome {
    return batch.length > 0 ? { done: false, value: batch as unknown[] } : undefined;
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
