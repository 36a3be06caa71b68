import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { from, fromResource, type RunReport, type Stage } from './index.js';
import { defineSyncStage } from './kit/index.js';
import { NO_LEAKS, deferred, leakCheck } from './testing/index.js';

/**
 * `throw`, `hang` (ignoring the signal in opaque stages, honouring it in cooperative ones), `abort`
 * and `break` fire at a place; `iteratorThrows`, `nonObject` and `returnThrows` break the iterator
 * protocol of the stage at that place (elsewhere they act as `throw`).
 */
type Fault = 'none' | 'throw' | 'hang' | 'abort' | 'break' | 'iteratorThrows' | 'nonObject' | 'returnThrows';
type StageKind = 'opaque' | 'cooperative' | 'sync';
interface Plan {
  rows: number;
  batchSize: number;
  /** A cooperative stage honours the signal and its `finally` throws. */
  stages: StageKind[];
  fault: Fault;
  /** Where: 0 = the source's read, 1..n = stage i, n + 1 = the sink. */
  where: number;
  at: number;
  /** What the source's close does when the run tears it down (at the end of its data it returns). */
  close: 'ok' | 'throw' | 'hang';
}

const plans = fc
  .record({
    rows: fc.integer({ min: 0, max: 30 }),
    batchSize: fc.integer({ min: 1, max: 7 }),
    stages: fc.array(fc.constantFrom<StageKind>('opaque', 'cooperative', 'sync'), { maxLength: 5 }),
    fault: fc.constantFrom<Fault>(
      'none',
      'throw',
      'hang',
      'abort',
      'break',
      'iteratorThrows',
      'nonObject',
      'returnThrows',
    ),
    where: fc.nat(),
    at: fc.nat({ max: 30 }),
    close: fc.constantFrom<Plan['close']>('ok', 'throw', 'hang'),
  })
  .map((p): Plan => ({ ...p, where: p.where % (p.stages.length + 2) }));

/** Faults that throw the injected error where they fire (a protocol fault does where no stage can break). */
const THROWING: readonly Fault[] = ['throw', 'iteratorThrows', 'nonObject', 'returnThrows'];

/** Waits for `promise`, or rejects with the signal's reason when it aborts (listener removed either way). */
function honouring(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

/**
 * Runs one random pipeline with one injected fault and checks the contract: the run settles, the
 * surfaced error is the injected one (or the signal's reason, or a coded TypeError for a broken
 * iterator), the resource is closed exactly once, every stage that started finishes exactly once,
 * every cleanup error reaches onCleanupError and the report, and nothing is left behind.
 */
async function check(plan: Plan): Promise<void> {
  const leaks = leakCheck();
  const injected = new Error(`injected at ${plan.where}/${plan.at}`);
  const closeError = new Error('close failed');
  const returnError = new Error('return() failed');
  const finallyErrors = plan.stages.map((_, i) => new Error(`finally of stage ${i + 1} failed`));
  const controller = new AbortController();
  const stuck = deferred<void>();
  const hanging = deferred<void>();
  const closeGate = deferred<void>();
  const abortReason = new Error('aborted by the test');
  const stats = {
    opens: 0,
    closes: 0,
    started: 0,
    finished: 0,
    finallies: new Set<number>(),
    returned: false,
    exhausted: false,
    readFailed: false,
  };
  const kindAt = (where: number) => plan.stages[where - 1];
  const protocolFault = (where: number) =>
    kindAt(where) !== undefined &&
    kindAt(where) !== 'sync' &&
    ['iteratorThrows', 'nonObject', 'returnThrows'].includes(plan.fault);

  // Fires the fault when the item with index `plan.at` passes the place `where`.
  const fault = async (where: number, index: number, signal: AbortSignal): Promise<'break' | undefined> => {
    if (where !== plan.where || index !== plan.at || protocolFault(where)) return undefined;
    switch (plan.fault) {
      case 'hang':
        hanging.resolve();
        // An opaque stage, the source and the sink ignore the signal; a cooperative stage honours it.
        await (kindAt(where) === 'cooperative' ? honouring(stuck.promise, signal) : stuck.promise);
        return undefined;
      case 'abort':
        controller.abort(abortReason);
        return undefined;
      case 'break':
        return 'break';
      case 'none':
        return undefined;
      default:
        throw injected;
    }
  };

  const source = fromResource({
    open: () => {
      stats.opens++;
      return { next: 0 };
    },
    read: async (cursor, { signal }) => {
      const items: number[] = [];
      while (items.length < plan.batchSize && cursor.next < plan.rows) items.push(cursor.next++);
      if (items.length === 0) stats.exhausted = true;
      try {
        for (const item of items) await fault(0, item, signal);
      } catch (error) {
        stats.readFailed = true;
        throw error;
      }
      return items;
    },
    close: async () => {
      stats.closes++;
      // The closes fromResource makes inside a read (at the end of the data, after a read error)
      // are bounded by the close timeouts of issue 7 item 5 in resource.ts, not by this suite's
      // branch: here only the closes of a teardown or of an early return hang.
      if (plan.close === 'hang' && !stats.exhausted && !stats.readFailed) await closeGate.promise;
      if (plan.close === 'throw') throw closeError;
    },
  });

  const stages = plan.stages.map((kind, i): Stage<number, number> => {
    const where = i + 1;
    if (kind === 'sync') {
      return defineSyncStage<number, number>(`sync${where}`, () => ({
        push(batch, out) {
          for (const n of batch) {
            if (plan.where === where && n === plan.at && THROWING.includes(plan.fault)) throw injected;
            out.push(n);
          }
          return true;
        },
      }));
    }
    async function* body(input: AsyncIterable<number>, signal: AbortSignal) {
      stats.started++;
      try {
        for await (const n of input) {
          if ((await fault(where, n, signal)) === 'break') return;
          yield n;
        }
      } finally {
        stats.finished++;
        stats.finallies.add(where);
        // eslint-disable-next-line no-unsafe-finally
        if (kind === 'cooperative') throw finallyErrors[i];
      }
    }
    // The stage's iterable, broken in the way the plan says when the fault is here.
    return function stage(input, { signal }) {
      const gen = body(input, signal);
      const here = plan.where === where;
      return {
        [Symbol.asyncIterator]() {
          if (here && plan.fault === 'iteratorThrows') throw injected;
          return {
            async next() {
              const r = await gen.next();
              return here && plan.fault === 'nonObject' && !r.done && r.value === plan.at ? (5 as never) : r;
            },
            async return() {
              stats.returned ||= here;
              await gen.return(undefined);
              if (here && plan.fault === 'returnThrows') throw returnError;
              return { done: true as const, value: undefined };
            },
          };
        },
      };
    };
  });

  let report: RunReport | undefined;
  const hooked: unknown[] = [];
  const running = stages
    .reduce((pipeline, stage) => pipeline.pipe(stage), from(source))
    .to(
      async (input: AsyncIterable<unknown>, { signal }) => {
        for await (const n of input) if ((await fault(plan.stages.length + 1, n as number, signal)) === 'break') break;
      },
      // A hung stage or close is the point of some cases: do not wait for it before settling.
      {
        signal: controller.signal,
        onReport: (r) => (report = r),
        onCleanupError: (e) => void hooked.push(e),
        cleanupTimeout: 0,
      },
    );
  // A hang is ended by an abort from outside, as a deadline would.
  void hanging.promise.then(() => controller.abort(abortReason));

  const outcome = await running.then(
    () => ({ ok: true as const, error: undefined }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  const cleanupKinds: unknown[] = [closeError, returnError, ...finallyErrors];
  if (!outcome.ok) {
    const coded = (outcome.error as { code?: unknown } | null)?.code === 'ERR_SLUICE_INVALID_ITERATOR';
    if (coded) expect(plan.fault).toBe('nonObject');
    else expect([injected, abortReason, ...cleanupKinds]).toContain(outcome.error);
    if (outcome.error === injected) expect(THROWING).toContain(plan.fault);
  }
  // A hanging close is tracked, not awaited: released now, then every late cleanup is waited for.
  stuck.resolve();
  closeGate.resolve();
  await report!.closed;
  expect(stats.closes).toBe(stats.opens);
  expect(stats.opens).toBeLessThanOrEqual(1);
  expect(stats.finished).toBe(stats.started);
  // Every cleanup error reached the hook and the report, once (the run rejects with one only when nothing else failed).
  expect(new Set(hooked)).toEqual(new Set(report!.cleanupErrors));
  expect(hooked).toHaveLength(new Set(hooked).size);
  for (const error of hooked) expect(cleanupKinds).toContain(error);
  const heard = [...hooked, outcome.error];
  if (plan.close === 'throw' && stats.closes > 0) expect(heard).toContain(closeError);
  if (stats.returned && plan.fault === 'returnThrows') expect(heard).toContain(returnError);
  // A finally error travels down as the stage's error; a cooperative stage downstream may replace
  // it with its own (a throwing finally overrides the exception in flight: JavaScript, not sluice).
  const cooperativeRan = [...stats.finallies].filter((where) => kindAt(where) === 'cooperative');
  for (const where of cooperativeRan) {
    if (!cooperativeRan.some((other) => other > where)) expect(heard).toContain(finallyErrors[where - 1]);
  }
  expect(await leaks.finish()).toEqual(NO_LEAKS);
}

describe('fault injection', () => {
  it('settles, surfaces the injected error, reports every cleanup error and releases everything exactly once, whatever the fault', async () => {
    await fc.assert(fc.asyncProperty(plans, check), { numRuns: 400, timeout: 5000 });
  });
});
