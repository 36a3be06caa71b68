import { from, type Stage } from '@sluice/core';
import {
  NO_LEAKS,
  abortListenerCount,
  conformance,
  deferred,
  flushMacrotask,
  leakCheck,
  trackedSource,
} from '@sluice/core/testing';
import { describe, expect, it } from 'vitest';
import { tee } from './tee.js';

/** tee as a stage for the conformance suite: branch 0 flows on, the others end at once (they must not stall it). */
function teeStage(n: number): Stage<number, number> {
  return (source, { signal }) => {
    const [first, ...rest] = tee<number>(n, { bufferSize: 2, signal })(source);
    for (const branch of rest) void branch.return();
    return first!;
  };
}

describe('tee', () => {
  for (const c of conformance('tee(1)', () => teeStage(1), { input: [1, 2, 3] })) it(c.name, c.run);
  for (const c of conformance('tee(3) with two branches ended at once', () => teeStage(3), { input: [1, 2, 3] }))
    it(c.name, c.run);

  it('lets the fastest branch run at most bufferSize items ahead of the slowest (slowest wins)', async () => {
    const source = trackedSource(Array.from({ length: 10 }, (_, i) => i));
    const [fast, slow] = tee<number>(2, { bufferSize: 3 })(source);
    const got: number[] = [];
    const fastDone = (async () => {
      for await (const x of fast!) got.push(x);
    })();
    await flushMacrotask();
    expect(got).toEqual([0, 1, 2]);
    expect(source.stats.produced).toBe(3);
    expect((await slow!.next()).value).toBe(0);
    await flushMacrotask();
    expect(got).toEqual([0, 1, 2, 3]);
    for (let i = 1; i < 10; i++) expect((await slow!.next()).value).toBe(i);
    expect((await slow!.next()).done).toBe(true);
    await fastDone;
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(source.stats.closes).toBe(1);
    expect(source.stats.returns).toBe(0);
  });

  it('does not stall the others when a branch ends early, and returns the source once when the last ends', async () => {
    const source = trackedSource(Array.from({ length: 20 }, (_, i) => i));
    const [a, b, c] = tee<number>(3, { bufferSize: 2 })(source);
    expect((await a!.next()).value).toBe(0);
    await a!.return();
    const fromB: number[] = [];
    const fromC: number[] = [];
    const readB = (async () => {
      for await (const x of b!) {
        fromB.push(x);
        if (x === 9) break;
      }
    })();
    const readC = (async () => {
      for await (const x of c!) {
        fromC.push(x);
        if (x === 14) break;
      }
    })();
    await readB;
    expect(fromB).toHaveLength(10);
    expect(source.stats.closes).toBe(0);
    await readC;
    expect(fromC).toHaveLength(15);
    expect(source.stats.returns).toBe(1);
    expect(source.stats.closes).toBe(1);
    expect((await a!.next()).done).toBe(true);
  });

  it('delivers a source error to every branch unchanged, after the items it had not read', async () => {
    const error = new Error('source broke');
    const [a, b] = tee<number>(2)(trackedSource({ items: [1, 2], throwAt: { index: 2, error } }));
    const readAll = async (branch: AsyncIterable<number>, into: number[]) => {
      for await (const x of branch) into.push(x);
    };
    const gotA: number[] = [];
    const gotB: number[] = [];
    await expect(readAll(a!, gotA)).rejects.toBe(error);
    await expect(readAll(b!, gotB)).rejects.toBe(error);
    expect(gotA).toEqual([1, 2]);
    expect(gotB).toEqual([1, 2]);
  });

  it('rejects every branch with signal.reason, returns the source and removes its listener on abort', async () => {
    const controller = new AbortController();
    const leaks = leakCheck({ watch: [controller.signal] });
    const source = trackedSource({ items: [1], hangAt: 1 });
    const [a, b] = tee<number>(2, { signal: controller.signal })(source);
    expect((await a!.next()).value).toBe(1);
    const waitingA = a!.next();
    await source.hanging.promise;
    const reason = new Error('tee aborted');
    controller.abort(reason);
    await expect(waitingA).rejects.toBe(reason);
    await expect(b!.next()).rejects.toBe(reason);
    expect(source.stats.returns).toBe(1);
    expect(source.stats.closes).toBe(1);
    expect(abortListenerCount(controller.signal)).toBe(0);
    expect(await leaks.finish()).toEqual(NO_LEAKS);
  });

  it('runs a sluice pipeline source with its signal and never opens it when no branch pulls', async () => {
    const source = trackedSource([1, 2, 3]);
    const [a, b] = tee<number>(2, { signal: new AbortController().signal })(from(source));
    await a!.return();
    await b!.return();
    expect(source.stats.opens).toBe(0);
  });

  it('validates its arguments', () => {
    expect(() => tee(0)).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE' }));
    expect(() => tee(2, { bufferSize: 0 })).toThrow(/bufferSize/);
    expect(() => tee(2, { signal: {} as never })).toThrow(/must be an AbortSignal/);
    expect(() => tee(2, { size: 3 } as never)).toThrow(/unknown option "size"/);
    expect(() => tee(2)(5 as never)).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_ARGUMENT' }));
  });
});

describe('found in review: tee', () => {
  it('regression: resolves two next() calls on one tee branch made before the first settled, in order', async () => {
    // The async-iterator protocol allows calling next() again before the previous call settled
    // (sluice's own ItemView supports it). A branch keeps one waiter per branch in its Notifier,
    // so the second wait replaces the first and the first next() never settles.
    const gate = deferred<void>();
    async function* source() {
      await gate.promise;
      yield 1;
      yield 2;
    }
    const [a] = tee<number>(2)(source());
    const p1 = a!.next();
    const p2 = a!.next();
    gate.resolve();
    const timeout = Symbol('timeout');
    const settled = await Promise.race([
      Promise.all([p1, p2]),
      (async () => {
        for (let i = 0; i < 20; i++) await flushMacrotask();
        return timeout;
      })(),
    ]);
    expect(settled).toEqual([
      { done: false, value: 1 },
      { done: false, value: 2 },
    ]);
  });
});
