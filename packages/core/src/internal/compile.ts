import type { InlineOp, KernelInstance } from '../fusion.js';
import { isThenable } from '../kit/iteration.js';
import type { StageContext } from '../types.js';

/**
 * Compiles a run of adjacent map/filter/tap operators into ONE loop over the batch, generated
 * once per shape (the sequence of operations) and cached. Each user callback then sits at its own
 * monomorphic call site, so V8 can inline it and keep intermediate values off the heap: that is
 * what brings a chain of operators close to a hand-written loop (see docs/adr/0001).
 *
 * A callback that returns a promise makes the loop stop at that item; the rest of the batch is
 * finished on an async path that awaits each promise, and the fast loop resumes after it.
 */

/** Mutable state shared by the generated loop and its async path. */
interface BailState {
  /** Index in the batch of the item that hit a promise. */
  i: number;
  /** Stage at which it happened. */
  j: number;
  /** Value entering that stage. */
  v: unknown;
  /** What the stage returned: a promise. */
  p: unknown;
}

/** Everything a run's loop reads: passed in, so one compiled function serves every run of a shape. */
interface LoopState {
  readonly fns: readonly InlineOp['fn'][];
  readonly ctxs: readonly object[];
  readonly counts: Float64Array;
  readonly st: BailState;
}

type Loop = (batch: readonly unknown[], out: unknown[], start: number, state: LoopState) => number;

const cache = new Map<string, Loop>();

const THENABLE = (x: string) =>
  `(${x} !== null && (typeof ${x} === 'object' || typeof ${x} === 'function') && typeof ${x}.then === 'function')`;

/**
 * One function per shape, shared by every run (and every pipeline) of that shape: a fresh closure
 * per run would start cold and measured twice as slow. The callbacks come from `state`.
 */
function loopFor(ops: readonly InlineOp['op'][]): Loop {
  const key = ops.join(',');
  let loop = cache.get(key);
  if (loop) return loop;
  let head = '';
  let body = '';
  ops.forEach((op, j) => {
    head += `const f${j} = state.fns[${j}], c${j} = state.ctxs[${j}];\n`;
    const bail = `{ st.i = i; st.j = ${j}; st.v = v; st.p = r; return i; }`;
    body += `c${j}.index = counts[${j}]++;\n`;
    if (op === 'map') {
      body += `r = f${j}(v, c${j}); if (${THENABLE('r')}) ${bail} v = r;\n`;
    } else if (op === 'filter') {
      body += `r = f${j}(v, c${j}); if (r !== true) { if (r === false) continue; if (${THENABLE('r')}) ${bail} if (!r) continue; }\n`;
    } else {
      body += `r = f${j}(v, c${j}); if (r !== undefined && ${THENABLE('r')}) ${bail}\n`;
    }
  });
  const source =
    `'use strict';\n` +
    `return function fusedLoop(batch, out, start, state) {\n${head}  const counts = state.counts, st = state.st;\n` +
    `  for (let i = start; i < batch.length; i++) {\n    let v = batch[i], r;\n${body}    out.push(v);\n  }\n  return -1;\n};`;
  loop = new Function(source)() as Loop;
  cache.set(key, loop);
  return loop;
}

const DROP = Symbol('drop');

/** A compiled group: behaves as one kernel; `counts[j]` is the number of items that entered stage j. */
export class CompiledGroup implements KernelInstance<unknown, unknown> {
  readonly counts: Float64Array;
  private readonly loop: Loop;
  private readonly st: BailState = { i: 0, j: 0, v: undefined, p: undefined };
  private readonly ctxs: { signal: AbortSignal; index: number }[];
  private readonly state: LoopState;

  constructor(private readonly ops: readonly InlineOp[], ctx: StageContext) {
    this.counts = new Float64Array(ops.length);
    this.ctxs = ops.map(() => ({ signal: ctx.signal, index: 0 }));
    this.loop = loopFor(ops.map((o) => o.op));
    this.state = { fns: ops.map((o) => o.fn), ctxs: this.ctxs, counts: this.counts, st: this.st };
  }

  push(batch: readonly unknown[], out: unknown[]): boolean | Promise<boolean> {
    return this.loop(batch, out, 0, this.state) < 0 || this.resume(batch, out);
  }

  private async resume(batch: readonly unknown[], out: unknown[]): Promise<boolean> {
    const st = this.st;
    do {
      const v = await this.finish(st.v, st.j, st.p);
      if (v !== DROP) out.push(v);
    } while (this.loop(batch, out, st.i + 1, this.state) >= 0);
    return true;
  }

  /** Completes one item from stage `j`, whose result `pending` is a promise, through the remaining stages. */
  private async finish(value: unknown, j: number, pending: unknown): Promise<unknown> {
    let v = value;
    let r: unknown = await pending;
    for (let s = j; ; ) {
      const op = this.ops[s]!.op;
      if (op === 'map') v = r;
      else if (op === 'filter' && !r) return DROP;
      if (++s >= this.ops.length) return v;
      const ctx = this.ctxs[s]!;
      ctx.index = this.counts[s]!++;
      r = this.ops[s]!.fn(v, ctx);
      if (isThenable(r)) r = await r;
    }
  }
}
