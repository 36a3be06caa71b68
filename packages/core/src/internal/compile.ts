import type { InlineOp, KernelInstance } from '../fusion.js';
import { isThenable } from '../kit/iteration.js';
import type { StageContext } from '../types.js';
import { DROP, INLINE_KINDS, type InlineKind, type InlineKindSemantics } from './inline-semantics.js';

/**
 * Compiles a run of adjacent inline operators (map, filter, tap) into ONE loop over the batch,
 * generated once per shape (the sequence of kinds) and cached. Each user callback then sits at its
 * own monomorphic call site, so V8 can inline it and keep intermediate values off the heap: that is
 * what brings a chain of operators close to a hand-written loop (see docs/adr/0001). What a kind
 * does with a callback's result is not written here: the loop pastes the kind's `code` from the
 * table in inline-semantics.ts, and the interpreter calls the kind's `next` from the same row.
 *
 * A callback that returns a promise makes the loop stop at that item; the rest of the batch is
 * finished on an async path that awaits each promise, and the fast loop resumes after it. Where
 * the runtime refuses code generation, `interpretedLoop` does the same work without it.
 */

/** Mutable state shared by the loop and its async path. */
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

/** Everything a run's loop reads: passed in, so one generated function serves every run of a shape. */
interface LoopState {
  readonly fns: readonly InlineOp['fn'][];
  readonly ctxs: readonly { signal: AbortSignal; index: number }[];
  readonly counts: Float64Array;
  readonly st: BailState;
  /** The kinds' `next`, read by the interpreter and the async path. */
  readonly nexts: readonly InlineKindSemantics['next'][];
}

/** Returns -1 when the batch is done, or the index of the item whose callback returned a promise. */
type Loop = (batch: readonly unknown[], out: unknown[], start: number, state: LoopState) => number;

const THENABLE = (x: string) =>
  `${x} !== null && (typeof ${x} === 'object' || typeof ${x} === 'function') && typeof ${x}.then === 'function'`;

/**
 * The text of the generated loop for a shape: it depends on the kinds only (checked against the
 * table before they get here), never on user input. Exported for the snapshot test.
 */
export function loopSource(kinds: readonly InlineKind[]): string {
  let head = '';
  let body = '';
  kinds.forEach((kind, j) => {
    head += `  const f${j} = state.fns[${j}], c${j} = state.ctxs[${j}];\n`;
    body += `    // ${kind}\n    c${j}.index = counts[${j}]++;\n    r = f${j}(v, c${j});\n`;
    body += `    if (${THENABLE('r')}) { st.i = i; st.j = ${j}; st.v = v; st.p = r; return i; }\n`;
    if (INLINE_KINDS[kind].code) body += `    ${INLINE_KINDS[kind].code}\n`;
  });
  return (
    `'use strict';\n` +
    `return function fusedLoop(batch, out, start, state) {\n${head}  const counts = state.counts, st = state.st;\n` +
    `  for (let i = start; i < batch.length; i++) {\n    let v = batch[i], r;\n${body}    out.push(v);\n  }\n  return -1;\n};\n`
  );
}

/** The generated loop's work without code generation: the same steps, reading the table per call. */
function interpretedLoop(batch: readonly unknown[], out: unknown[], start: number, state: LoopState): number {
  const { fns, ctxs, counts, st, nexts } = state;
  items: for (let i = start; i < batch.length; i++) {
    let v = batch[i];
    for (let j = 0; j < fns.length; j++) {
      const c = ctxs[j]!;
      c.index = counts[j]!++;
      const r = fns[j]!(v, c);
      if (isThenable(r)) {
        st.i = i;
        st.j = j;
        st.v = v;
        st.p = r;
        return i;
      }
      v = nexts[j]!(v, r);
      if (v === DROP) continue items;
    }
    out.push(v);
  }
  return -1;
}

/**
 * One loop per shape, shared by every run (and every pipeline) of that shape: a fresh closure per
 * run would start cold and measured twice as slow.
 */
const generated = new Map<string, Loop>();

/**
 * The loop for a shape. Where code generation is refused (`--disallow-code-generation-from-strings`,
 * a content security policy), `new Function` throws an EvalError and the interpreter serves that
 * shape instead, at about the cost of kernel-by-kernel `push` (docs/adr/0001).
 */
export function loopFor(kinds: readonly InlineKind[]): Loop {
  const key = kinds.join(',');
  let loop = generated.get(key);
  if (loop) return loop;
  try {
    loop = new Function(loopSource(kinds))() as Loop;
  } catch (error) {
    if (!(error instanceof EvalError)) throw error;
    loop = interpretedLoop;
  }
  generated.set(key, loop);
  return loop;
}

/** A compiled group: behaves as one kernel; `counts[j]` is the number of items that entered stage j. */
export class CompiledGroup implements KernelInstance<unknown, unknown> {
  readonly counts: Float64Array;
  private readonly loop: Loop;
  private readonly st: BailState = { i: 0, j: 0, v: undefined, p: undefined };
  private readonly ctxs: { signal: AbortSignal; index: number }[];
  private readonly state: LoopState;

  constructor(ops: readonly InlineOp[], ctx: StageContext) {
    this.counts = new Float64Array(ops.length);
    this.ctxs = ops.map(() => ({ signal: ctx.signal, index: 0 }));
    this.loop = loopFor(ops.map((o) => o.op));
    this.state = {
      fns: ops.map((o) => o.fn),
      ctxs: this.ctxs,
      counts: this.counts,
      st: this.st,
      nexts: ops.map((o) => INLINE_KINDS[o.op].next),
    };
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
    const { fns, ctxs, counts, nexts } = this.state;
    let v = value;
    let r: unknown = await pending;
    for (let s = j; ; ) {
      v = nexts[s]!(v, r);
      if (v === DROP || ++s >= fns.length) return v;
      const ctx = ctxs[s]!;
      ctx.index = counts[s]!++;
      r = fns[s]!(v, ctx);
      if (isThenable(r)) r = await r;
    }
  }
}
