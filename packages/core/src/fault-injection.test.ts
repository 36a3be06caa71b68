import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defineSyncStage, from, fromResource, type RunReport, type Stage } from './index.js';
import { NO_LEAKS, deferred, leakCheck } from './testing/index.js';

type Fault = 'none' | 'throw' | 'hang' | 'abort' | 'break';
interface Plan {
  rows: number;
  batchSize: number;
  stages: ('opaque' | 'sync')[];
  fault: Fault;
  /** Where: 0 = the source's read, 1..n = stage i, n + 1 = the sink. */
  where: number;
  at: number;
}

const plans = fc
  .record({
    rows: fc.integer({ min: 0, max: 30 }),
    batchSize: fc.integer({ min: 1, max: 7 }),
    stages: fc.array(fc.constantFrom<'opaque' | 'sync'>('opaque', 'sync'), { maxLength: 5 }),
    fault: fc.constantFrom<Fault>('none', 'throw', 'hang', 'abort', 'break'),
    where: fc.nat(),
    at: fc.nat({ max: 30 }),
  })
  .map((p): Plan => ({ ...p, where: p.where % (p.stages.length + 2) }));

/**
 * Runs one random pipeline with one injected fault and checks the contract: the run settles, the
 * surfaced error is the injected one (or the signal's reason), the resource is closed exactly
 * once, every stage that started finishes exactly once, and nothing is left behind.
 */
async function check(plan: Plan): Promise<void> {
  const leaks = leakCheck();
  const injected = new Error(`injected at ${plan.where}/${plan.at}`);
  const controller = new AbortController();
  const stuck = deferred<void>();
  const hanging = deferred<void>();
  const abortReason = new Error('aborted by the test');
  const stats = { opens: 0, closes: 0, started: 0, finished: 0 };

  // Fires the fault when the item with index `plan.at` passes the place `where`.
  const fault = async (where: number, index: number): Promise<'break' | undefined> => {
    if (where !== plan.where || index !== plan.at) return undefined;
    switch (plan.fault) {
      case 'throw':
        throw injected;
      case 'hang':
        hanging.resolve();
        await stuck.promise; // ignores the signal
        return undefined;
      case 'abort':
        controller.abort(abortReason);
        return undefined;
      case 'break':
        return 'break';
      default:
        return undefined;
    }
  };

  const source = fromResource({
    open: () => {
      stats.opens++;
      return { next: 0 };
    },
    read: async (cursor) => {
      const items: number[] = [];
      while (items.length < plan.batchSize && cursor.next < plan.rows) items.push(cursor.next++);
      for (const item of items) await fault(0, item);
      return items;
    },
    close: () => {
      stats.closes++;
    },
  });

  const stages = plan.stages.map((kind, i): Stage<number, number> => {
    const where = i + 1;
    if (kind === 'sync') {
      return defineSyncStage<number, number>(`sync${where}`, () => ({
        push(batch, out) {
          for (const n of batch) {
            if (plan.where === where && n === plan.at && plan.fault === 'throw') throw injected;
            out.push(n);
          }
          return true;
        },
      }));
    }
    return async function* opaque(input: AsyncIterable<number>) {
      stats.started++;
      try {
        for await (const n of input) {
          if ((await fault(where, n)) === 'break') return;
          yield n;
        }
      } finally {
        stats.finished++;
      }
    };
  });

  let report: RunReport | undefined;
  const running = from(source)
    .pipe(stages)
    .to(
      async (input: AsyncIterable<unknown>) => {
        for await (const n of input) if ((await fault(plan.stages.length + 1, n as number)) === 'break') break;
      },
      // A hung stage is the point of some cases: do not wait for it before settling.
      { signal: controller.signal, onReport: (r) => (report = r), cleanupTimeout: 0 },
    );
  // A hang is ended by an abort from outside, as a deadline would.
  void hanging.promise.then(() => controller.abort(abortReason));

  const outcome = await running.then(
    () => ({ ok: true as const }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  const reached = plan.at < plan.rows && (plan.fault !== 'none' && plan.fault !== 'break');
  if (!outcome.ok) {
    expect([injected, abortReason]).toContain(outcome.error);
    if (outcome.error === injected) expect(plan.fault).toBe('throw');
  } else {
    expect(reached && plan.fault === 'throw').toBe(false);
  }
  // Release a stuck stage and wait for every late cleanup.
  stuck.resolve();
  await report!.closed;
  expect(stats.closes).toBe(stats.opens);
  expect(stats.opens).toBeLessThanOrEqual(1);
  expect(stats.finished).toBe(stats.started);
  expect(await leaks.finish()).toEqual(NO_LEAKS);
}

describe('fault injection', () => {
  it('settles, surfaces the injected error, and releases everything exactly once, whatever the fault', async () => {
    await fc.assert(fc.asyncProperty(plans, check), { numRuns: 300 });
  });
});
