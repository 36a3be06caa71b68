import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as core from '../index.js';
import { defineInlineStage } from '../kit/index.js';
import { DROP, INLINE_KINDS, type InlineKind } from './inline-semantics.js';

/**
 * The three readers of the table agree: the generated loop, the interpreter that replaces it where
 * code generation is refused, and the uncompiled stages inside Node's `pipeline()`.
 */

describe('INLINE_KINDS', () => {
  it('gives every kind a generated statement that does what its next does, for falsy and truthy results', () => {
    const samples = [0, '', null, undefined, NaN, false, 1, 'a', true, {}, []];
    for (const { next, code } of Object.values(INLINE_KINDS)) {
      // `continue` in a one-pass loop leaves it: the statement dropped the item.
      const statement = new Function('v', 'r', 'DROP', `do { ${code} return v; } while (false); return DROP;`);
      for (const item of samples)
        for (const result of samples) expect(statement(item, result, DROP)).toBe(next(item, result));
    }
  });
});

interface StagePlan {
  readonly kind: InlineKind;
  /** What call k settles to: `results[k % length]`. */
  readonly results: readonly unknown[];
  /** Whether call k returns a promise (which makes the loop bail out to its async path). */
  readonly async: readonly boolean[];
  /** The call that throws (or rejects, when it is async). */
  readonly throwAt: number | null;
}

interface Plan {
  readonly stages: readonly StagePlan[];
  readonly items: readonly unknown[];
  /** Sizes of the source's successive batches, cycled. */
  readonly batches: readonly number[];
  readonly asyncReads: boolean;
}

const value = fc.oneof(
  fc.constantFrom(0, '', null, undefined, NaN, false),
  fc.integer({ min: -5, max: 5 }),
  fc.constantFrom('a', true, { id: 1 }),
);

const plan: fc.Arbitrary<Plan> = fc.record({
  stages: fc.array(
    fc.record({
      kind: fc.constantFrom(...(Object.keys(INLINE_KINDS) as InlineKind[])),
      results: fc.array(value, { minLength: 1, maxLength: 5 }),
      async: fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }),
      throwAt: fc.option(fc.nat(25)),
    }),
    { minLength: 1, maxLength: 5 },
  ),
  items: fc.array(value, { maxLength: 30 }),
  batches: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 }),
  asyncReads: fc.boolean(),
});

interface Call {
  readonly stage: number;
  readonly index: number;
  readonly item: unknown;
  /** `ctx.index` read again after the callback's await: the context belongs to the call until it settles. */
  after?: number;
}

const NONE = Symbol('no error');

interface Outcome {
  readonly out: unknown[];
  readonly calls: Call[];
  error: unknown;
}

/** The plan's stages, recording every call into `outcome`; `errors[j]` is what stage j throws. */
function stages(p: Plan, errors: readonly Error[], outcome: Outcome) {
  return p.stages.map((stage, j) =>
    defineInlineStage<unknown, unknown>(stage.kind, `${stage.kind}${j}`, (item, ctx) => {
      const call: Call = { stage: j, index: ctx.index, item };
      outcome.calls.push(call);
      const k = ctx.index;
      const result = stage.results[k % stage.results.length];
      const fails = stage.throwAt === k;
      if (!stage.async[k % stage.async.length]) {
        if (fails) throw errors[j];
        return result;
      }
      return (async () => {
        await null;
        call.after = ctx.index;
        if (fails) throw errors[j];
        return result;
      })();
    }),
  );
}

function source(p: Plan) {
  return {
    open: () => ({ at: 0, batch: 0 }),
    read(cursor: { at: number; batch: number }) {
      const size = p.batches[cursor.batch++ % p.batches.length]!;
      const slice = p.items.slice(cursor.at, (cursor.at += size));
      return p.asyncReads ? Promise.resolve(slice) : slice;
    },
    close: () => undefined,
  };
}

async function outcomeOf(
  run: (outcome: Outcome, sink: (items: AsyncIterable<unknown>) => Promise<void>) => Promise<unknown>,
) {
  const outcome: Outcome = { out: [], calls: [], error: NONE };
  const sink = async (items: AsyncIterable<unknown>) => {
    for await (const v of items) outcome.out.push(v);
  };
  await run(outcome, sink).catch((error: unknown) => (outcome.error = error));
  return outcome;
}

function throughSluice(sluice: typeof core, p: Plan, errors: readonly Error[]) {
  return outcomeOf((outcome, sink) =>
    stages(p, errors, outcome)
      .reduce<core.Pipeline<unknown>>(
        (piped, stage) => piped.pipe(stage as core.Stage<unknown, unknown>),
        sluice.fromResource(source(p)),
      )
      .to(sink),
  );
}

function throughNodePipeline(p: Plan, errors: readonly Error[]) {
  return outcomeOf((outcome, sink) =>
    (pipeline as (...streams: unknown[]) => Promise<void>)(p.items, ...stages(p, errors, outcome), sink),
  );
}

/** What `new Function` does under `--disallow-code-generation-from-strings` or a CSP. */
const refusingFunction = new Proxy(Function, {
  construct() {
    throw new EvalError('Code generation from strings disallowed for this context');
  },
  apply() {
    throw new EvalError('Code generation from strings disallowed for this context');
  },
});

describe('compiled loop, interpreter and Node pipeline()', () => {
  // A second instance of core whose loops are all built while code generation is refused.
  let refused: { core: typeof core; loopFor: typeof import('./compile.js').loopFor };
  beforeAll(async () => {
    vi.resetModules();
    refused = { core: await import('../index.js'), loopFor: (await import('./compile.js')).loopFor };
  });
  afterEach(() => vi.unstubAllGlobals());

  async function interpreted(p: Plan, errors: readonly Error[]) {
    vi.stubGlobal('Function', refusingFunction);
    try {
      expect(refused.loopFor(p.stages.map((s) => s.kind)).name).toBe('interpretedLoop');
      return await throughSluice(refused.core, p, errors);
    } finally {
      vi.unstubAllGlobals();
    }
  }

  it('agree on outputs, error identity, and the order, count and indexes of callback calls', async () => {
    await fc.assert(
      fc.asyncProperty(plan, async (p) => {
        const errors = p.stages.map((_, j) => new Error(`stage ${j} failed`));
        const node = await throughNodePipeline(p, errors);
        const compiled = await throughSluice(core, p, errors);
        const interpreter = await interpreted(p, errors);
        for (const other of [compiled, interpreter]) {
          expect(other.error).toBe(node.error);
          expect(other.out).toEqual(node.out);
          expect(other.calls).toEqual(node.calls);
        }
        for (const call of node.calls) if (call.after !== undefined) expect(call.after).toBe(call.index);
      }),
      { numRuns: 300 },
    );
  });
});
