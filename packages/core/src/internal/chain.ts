import type { BatchIterator, SourceHooks } from './protocol.js';
import type { StageContext, StageReport } from '../types.js';
import type { SourceSpec } from '../source.js';
import { FusedIterator } from './fused.js';
import { Link, type LinkOwner } from './link.js';
import type { RunProbe } from './probe.js';
import { batchStage, itemStage, StageIterator, type StageSpec, type StageStats } from './stage-iterators.js';

/** A pipeline as the builder recorded it: a source and its stages, opened anew by every run. */
export interface Plan {
  readonly source: SourceSpec<unknown>;
  readonly stages: readonly StageSpec[];
}

/**
 * The links of one run, source first: adjacent synchronous kernels fused into one
 * `FusedIterator`, every other stage behind its stage iterator, each held by a `Link`. Also where
 * the report's per-stage counts and times are read.
 */
export class Chain {
  readonly links: Link<unknown>[] = [];
  readonly top: Link<unknown>;
  private readonly fused: FusedIterator[] = [];
  private readonly stats: { stat: StageStats; input?: Link<unknown>; output?: Link<unknown> }[] = [];

  /** `probe`: an observed run's (probe.ts), which wraps every link's iterator at setup. */
  constructor(plan: Plan, owner: LinkOwner, ctx: StageContext, hooks: SourceHooks, probe?: RunProbe) {
    const stages = plan.stages;
    const probed = <I>(iterator: BatchIterator<I>, name: string, fused: boolean) =>
      probe?.wrap(iterator, name, fused) ?? iterator;
    const position = (next: number) => (next >= stages.length ? 'top' : 'inner');
    let link = new Link<unknown>(
      owner,
      probed(plan.source.open(ctx, hooks), plan.source.name, false),
      plan.source.name,
      position(0),
    );
    this.links.push(link);
    for (let i = 0; i < stages.length; ) {
      const spec = stages[i]!;
      const input = link;
      if (spec.kind === 'sync') {
        const kernels = [];
        for (; i < stages.length && stages[i]!.kind === 'sync'; i++) {
          kernels.push((stages[i] as Extract<StageSpec, { kind: 'sync' }>).kernel);
        }
        const stats = kernels.map((k) => ({ name: k.name, fused: true, itemsIn: 0, itemsOut: 0, timeMs: 0 }));
        for (const stat of stats) this.stats.push({ stat });
        const fused = new FusedIterator(input, kernels, ctx, stats);
        this.fused.push(fused);
        const name = kernels.map((k) => k.name).join('+');
        link = new Link(owner, probed(fused, name, true), name, position(i));
      } else {
        i++;
        const name = spec.kind === 'batch' ? spec.kernel.name : spec.name;
        const shape = spec.kind === 'batch' ? batchStage(spec.kernel) : itemStage(spec);
        const iterator = new StageIterator(input, shape, ctx, hooks.bounded);
        link = new Link(owner, probed(iterator, name, false), name, position(i));
        this.stats.push({ stat: { name, fused: false, itemsIn: 0, itemsOut: 0, timeMs: 0 }, input, output: link });
      }
      this.links.push(link);
    }
    this.top = link;
  }

  get source(): Link<unknown> {
    return this.links[0]!;
  }

  /** Items in and out and time spent, per stage (fused stages one by one). */
  stageReports(): StageReport[] {
    for (const fused of this.fused) fused.report();
    return this.stats.map(({ stat, input, output }) =>
      input && output
        ? { ...stat, itemsIn: input.items, itemsOut: output.items, timeMs: Math.max(0, output.busyMs - input.busyMs) }
        : { ...stat },
    );
  }
}
