import { describe, expect, it, vi } from 'vitest';
import { from, fromResource, isTimedOut, type RunReport, type StageContext } from './index.js';
import {
  NO_LEAKS,
  abortListenerCount,
  captureWarnings,
  deferred,
  flushMacrotask,
  leakCheck,
  trackedResource,
  trackedSource,
} from './testing/index.js';

/** A probe stage: records its finally and how many items went through. */
function probe(name: string, log: string[]) {
  return Object.defineProperty(
    async function* (source: AsyncIterable<number>) {
      try {
        for await (const n of source) yield n;
      } finally {
        log.push(name);
      }
    },
    'name',
    { value: name },
  );
}

/** True when `p` settled within `turns` turns of the event loop. */
async function settlesWithin(p: Promise<unknown>, turns = 5): Promise<boolean> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < turns && !settled; i++) await flushMacrotask();
  return settled;
}

describe('contract 1: lazy', () => {
  it('never calls the source function or opens the source under an already-aborted signal', async () => {
    const reason = new Error('gone before start');
    const factory = vi.fn(() => [1, 2, 3]);
    const source = trackedSource([1, 2, 3]);
    let report: RunReport | undefined;
    const signal = AbortSignal.abort(reason);
    await expect(from(factory).run({ signal })).rejects.toBe(reason);
    await expect(from(source).toArray({ signal, onReport: (r) => (report = r) })).rejects.toBe(reason);
    expect(factory).not.toHaveBeenCalled();
    expect(source.stats.opens).toBe(0);
    expect(report).toMatchObject({ outcome: 'aborted', error: reason, source: { openedAtMs: null, heldMs: 0 } });
  });

  it('neither calls stages nor pulls before the first pull', async () => {
    const source = trackedSource([1, 2]);
    const stage = vi.fn(probe('p', []));
    const it = from(source).pipe(stage).iterate();
    await Promise.resolve();
    expect(stage).not.toHaveBeenCalled();
    expect(source.stats.nexts).toBe(0);
    await it.next();
    expect(stage).toHaveBeenCalledTimes(1);
    await it.return?.();
  });

  // regression (review, f9b005a): the sink was called under an already-aborted signal.
  it('does not call the sink when the signal is already aborted, as it does not open the source [1.2]', async () => {
    const sink = vi.fn(async (items: AsyncIterable<number>) => {
      for await (const n of items) void n;
    });
    const reason = new Error('gone before start');
    await expect(from([1, 2]).to(sink, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await flushMacrotask();
    expect(sink).not.toHaveBeenCalled();
  });

  // regression (review, f9b005a): a lazy source that resolved after the abort was opened.
  it('neither opens nor pulls a source function that resolves after an abort [1 / 3.1]', async () => {
    const made = deferred<AsyncIterable<number>>();
    const source = trackedSource([1, 2, 3]);
    const controller = new AbortController();
    let report: RunReport | undefined;
    const running = from(async () => made.promise).run({ signal: controller.signal, onReport: (r) => (report = r) });
    await flushMacrotask();
    controller.abort();
    await expect(running).rejects.toBe(controller.signal.reason);
    made.resolve(source);
    await report!.closed;
    expect(source.stats.nexts).toBe(0);
    expect(source.stats.opens).toBe(0);
  });
});

describe('contract 2: one signal per run', () => {
  it('hands every stage the same signal, a new one per run, and aborts it when the run is stopped', async () => {
    const seen: AbortSignal[] = [];
    const grab = async function* (source: AsyncIterable<number>, { signal }: StageContext) {
      seen.push(signal);
      yield* source;
    };
    const p = from([1, 2, 3]).pipe(grab, grab);
    await p.run();
    expect(seen[0]).toBe(seen[1]);
    expect(seen[0]!.aborted).toBe(false);
    for await (const n of p) if (n === 1) break;
    expect(seen[2]).not.toBe(seen[0]);
    expect(seen[2]!.aborted).toBe(true);
  });

  it('leaves no listener on a long-lived parent signal over 1000 runs, and the heap does not grow', async () => {
    const { setFlagsFromString } = await import('node:v8');
    const { runInNewContext } = await import('node:vm');
    setFlagsFromString('--expose_gc');
    const gc = runInNewContext('gc') as () => void;
    const shutdown = new AbortController();
    const leaks = leakCheck({ watch: [shutdown.signal] });
    const once = () => from([1, 2, 3]).pipe(probe('p', [])).run({ signal: shutdown.signal, timeout: 60_000 });
    for (let i = 0; i < 100; i++) await once();
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 1000; i++) await once();
    gc();
    const growth = process.memoryUsage().heapUsed - before;
    expect(abortListenerCount(shutdown.signal)).toBe(0);
    expect(await leaks.finish()).toEqual(NO_LEAKS);
    expect(growth).toBeLessThan(2 * 1024 * 1024);
  });
});

describe('contract 2: concurrent runs on one signal', () => {
  it('adds one listener to a shared signal however many runs use it, and none remains', async () => {
    const shutdown = new AbortController();
    const leaks = leakCheck({ watch: [shutdown.signal] });
    const gate = deferred<void>();
    const started = Array.from({ length: 25 }, () => deferred<void>());
    const runs = started.map((entered) =>
      from(async function* () {
        entered.resolve();
        await gate.promise;
        yield 1;
      }).run({ signal: shutdown.signal }),
    );
    await Promise.all(started.map((d) => d.promise)); // all 25 runs are live
    expect(abortListenerCount(shutdown.signal)).toBe(1);
    gate.resolve();
    await Promise.all(runs);
    expect(abortListenerCount(shutdown.signal)).toBe(0);
    expect(await leaks.finish()).toEqual(NO_LEAKS); // no MaxListenersExceeded warning on Node 20
  });

  it('aborts every run sharing the signal with its reason', async () => {
    const shutdown = new AbortController();
    const reason = new Error('shutting down');
    const sources = Array.from({ length: 12 }, () => trackedSource({ items: [1], hangAt: 1 }));
    const runs = sources.map((source) => from(source).run({ signal: shutdown.signal }));
    await Promise.all(sources.map((source) => source.hanging.promise));
    shutdown.abort(reason);
    for (const run of runs) await expect(run).rejects.toBe(reason);
    expect(abortListenerCount(shutdown.signal)).toBe(0);
  });
});

describe('contract 3: prompt teardown', () => {
  it('closes the stages from the source outwards when the consumer breaks, each exactly once', async () => {
    const log: string[] = [];
    const source = trackedSource(Array.from({ length: 100 }, (_, i) => i));
    const taken: number[] = [];
    for await (const n of from(source).pipe(
      probe('a', log),
      probe('b', log),
      probe('c', log),
      probe('d', log),
      probe('e', log),
    )) {
      taken.push(n);
      if (taken.length === 3) break;
    }
    expect(source.stats.produced).toBe(3);
    expect(source.stats.closes).toBe(1);
    expect(log).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('settles at once when a stage is stuck in an await that ignores the signal, and tracks its late cleanup', async () => {
    const leaks = leakCheck();
    const stuck = deferred<void>();
    const entered = deferred<void>();
    const log: string[] = [];
    const source = trackedSource(Array.from({ length: 10 }, (_, i) => i));
    async function* sleepy(input: AsyncIterable<number>) {
      try {
        for await (const n of input) {
          if (n === 2) {
            entered.resolve();
            await stuck.promise; // ignores the signal
          }
          yield n;
        }
      } finally {
        log.push('sleepy finally');
      }
    }
    const controller = new AbortController();
    const reason = new Error('stop now');
    let report: RunReport | undefined;
    const lateErrors: unknown[] = [];
    const running = from(source)
      .pipe(sleepy)
      .run({
        signal: controller.signal,
        onReport: (r) => (report = r),
        onCleanupError: (error) => void lateErrors.push(error),
      });
    await entered.promise;
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    // The source was released before the run settled; the stuck stage was not.
    expect(source.stats.closes).toBe(1);
    expect(log).toEqual([]);
    expect(report!.pendingCleanups).toBe(1);
    let closed = false;
    void report!.closed.then(() => (closed = true));
    await Promise.resolve();
    expect(closed).toBe(false);
    const late = new Error('the stuck call failed late');
    stuck.reject(late);
    await report!.closed;
    expect(log).toEqual(['sleepy finally']);
    // Nobody waits for the interrupted pull any more: what it threw is reported, not dropped (5.4).
    expect(lateErrors).toEqual([late]);
    expect(report!.cleanupErrors).toEqual([late]);
    expect(await leaks.finish()).toEqual(NO_LEAKS);
  });

  it('waits for a pending read before closing a resource source, then closes it once', async () => {
    const readStarted = deferred<void>();
    const finishRead = deferred<void>();
    const { options, stats } = trackedResource([1, 2, 3], {
      batchSize: 1,
      readGate: (n) => {
        if (n !== 1) return undefined;
        readStarted.resolve();
        return finishRead.promise; // a driver call that ignores the signal
      },
    });
    const controller = new AbortController();
    let report: RunReport | undefined;
    const running = fromResource(options).toArray({ signal: controller.signal, onReport: (r) => (report = r) });
    await readStarted.promise;
    controller.abort();
    await expect(running).rejects.toBe(controller.signal.reason);
    expect(stats.closes).toBe(0); // close() never races a pending read
    expect(report!.pendingCleanups).toBe(1);
    finishRead.resolve();
    await report!.closed;
    expect(stats.closes).toBe(1);
  });

  it('returns an async-iterable source at once even while its next() is pending', async () => {
    const source = trackedSource({ items: [1], hangAt: 1 });
    const controller = new AbortController();
    const running = from(source).toArray({ signal: controller.signal });
    await source.hanging.promise;
    controller.abort();
    await expect(running).rejects.toBe(controller.signal.reason);
    // An async generator would queue this return(); an iterator like a Node readable's cancels.
    expect(source.stats.returns).toBe(1);
    expect(source.stats.closes).toBe(1);
  });

  it('settles once with the first reason under a double abort', async () => {
    const { options, stats } = trackedResource(
      Array.from({ length: 1000 }, (_, i) => i),
      { batchSize: 1 },
    );
    const controller = new AbortController();
    const first = new Error('first');
    let reports = 0;
    const running = fromResource(options)
      .pipe(async function* (source) {
        for await (const n of source) {
          if (n === 5) {
            controller.abort(first);
            controller.abort(new Error('second'));
          }
          yield n;
        }
      })
      .run({ signal: controller.signal, onReport: () => reports++ });
    await expect(running).rejects.toBe(first);
    expect(stats.closes).toBe(1);
    expect(reports).toBe(1);
  });

  it('aborts while flowing with at most one extra pull, releasing the resource once', async () => {
    const controller = new AbortController();
    const reason = new DOMException('client left', 'AbortError');
    let pulledAtAbort = -1;
    const { options, stats } = trackedResource(
      Array.from({ length: 10_000 }, (_, i) => i),
      { batchSize: 1 },
    );
    const running = fromResource(options).to(
      async (source) => {
        for await (const n of source) {
          if (n === 10) {
            pulledAtAbort = stats.produced;
            controller.abort(reason);
          }
        }
      },
      { signal: controller.signal },
    );
    await expect(running).rejects.toBe(reason);
    expect(stats.produced - pulledAtAbort).toBeLessThanOrEqual(1);
    expect(stats.closes).toBe(1);
  });

  it('times out with a TimeoutError, classified by state', async () => {
    vi.useFakeTimers();
    try {
      const source = trackedSource({ items: [1, 2], hangAt: 2 });
      let report: RunReport | undefined;
      const running = from(source).run({ timeout: 100, onReport: (r) => (report = r) });
      const settled = expect(running).rejects.toMatchObject({ name: 'TimeoutError' });
      await vi.advanceTimersByTimeAsync(100);
      await settled;
      expect(isTimedOut(report!)).toBe(true);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  // regression (review, f9b005a): a sink giving up on a pending next() left to() unsettled.
  it('resolves to() and reports "stopped" when the sink returns while its next() is pending [2.3 / 5.3]', async () => {
    const entered = deferred<void>();
    // A well-behaved stage: it waits on something and honours the signal.
    async function* waits(source: AsyncIterable<number>, { signal }: StageContext) {
      for await (const n of source) {
        entered.resolve();
        await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
        yield n;
      }
    }
    let report: RunReport | undefined;
    const result = from([1, 2, 3])
      .pipe(waits)
      .to(
        async (items) => {
          const it = items[Symbol.asyncIterator]();
          const first = it.next(); // e.g. Promise.race([it.next(), deadline])
          first.catch(() => undefined);
          await entered.promise;
          await it.return!(); // give up: the sink stops early
          return 'gave up';
        },
        { onReport: (r) => (report = r) },
      );
    await expect(result).resolves.toBe('gave up');
    expect(report!.outcome).toBe('stopped');
  });
});

describe('nested runs and slow cleanups', () => {
  it('stops cleanly when a stage runs an inner pipeline on the run signal and the consumer breaks', async () => {
    const inner = async function* nested(source: AsyncIterable<number>, { signal }: StageContext) {
      yield* from(source).pipe(probe('inner', [])).iterate({ signal });
    };
    const source = trackedSource([1, 2, 3, 4]);
    let report: RunReport | undefined;
    for await (const n of from(source)
      .pipe(inner)
      .iterate({ onReport: (r) => (report = r) }))
      if (n === 1) break;
    expect(report).toMatchObject({ outcome: 'stopped', cleanupErrors: [] });
    expect(source.stats.closes).toBe(1);
  });

  it('does not read a resource whose open() finished after the run was aborted', async () => {
    const opening = deferred<{ id: number }>();
    const read = vi.fn(() => [1]);
    const close = vi.fn();
    const controller = new AbortController();
    let report: RunReport | undefined;
    const opened = deferred<void>();
    const open = () => {
      opened.resolve();
      return opening.promise;
    };
    const running = fromResource({ open, read, close }).run({
      signal: controller.signal,
      onReport: (r) => (report = r),
    });
    await opened.promise;
    controller.abort();
    await expect(running).rejects.toBe(controller.signal.reason);
    opening.resolve({ id: 1 });
    await report!.closed;
    expect(read).not.toHaveBeenCalled();
    expect(close).toHaveBeenCalledTimes(1);
  });

  it("tracks a sink's own slow cleanup in report.closed after an abort", async () => {
    const cleanup = deferred<void>();
    let cleaned = false;
    const controller = new AbortController();
    let report: RunReport | undefined;
    const source = trackedSource({ items: [1], hangAt: 1 });
    const running = from(source).to(
      async (input) => {
        try {
          for await (const n of input) void n;
        } finally {
          await cleanup.promise;
          cleaned = true;
        }
      },
      { signal: controller.signal, onReport: (r) => (report = r), cleanupTimeout: 0 },
    );
    await source.hanging.promise; // the sink is inside its loop, waiting on the source
    controller.abort();
    await expect(running).rejects.toBe(controller.signal.reason);
    let closed = false;
    void report!.closed.then(() => (closed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    cleanup.resolve();
    await report!.closed;
    expect(cleaned).toBe(true);
  });
});

describe('cleanupTimeout', () => {
  it('waits for closes up to cleanupTimeout, then settles and keeps tracking a stuck finally', async () => {
    const stuck = deferred<void>();
    let finished = false;
    async function* stubborn(input: AsyncIterable<number>) {
      try {
        yield* input;
      } finally {
        await stuck.promise; // a release on a dead connection, ignoring the signal
        finished = true;
      }
    }
    let report: RunReport | undefined;
    const running = from([1, 2, 3])
      .pipe(stubborn)
      .to(
        async (input) => {
          for await (const n of input) {
            void n;
            break;
          }
        },
        { cleanupTimeout: 500, onReport: (r) => (report = r) },
      );
    let settled = false;
    void running.then(() => (settled = true));
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false); // still waiting for the stuck finally (cleanupTimeout 0 settles in one turn)
    await running; // settles once the 500 ms have passed, without the finally
    expect(report).toMatchObject({ outcome: 'stopped', pendingCleanups: 1 });
    expect(finished).toBe(false);
    stuck.resolve();
    await report!.closed;
    expect(finished).toBe(true);
  });

  it('rejects a cleanupTimeout that is not a whole number of milliseconds', () => {
    expect(() => from([1]).run({ cleanupTimeout: -1 })).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE' }),
    );
  });

  it('settles an aborted run promptly even when an idle stage’s finally is stuck [3.2 / 3.3]', async () => {
    const stuck = deferred<void>();
    const gotOne = deferred<void>();
    const sinkHold = deferred<void>();
    let finallyEntered = false;
    async function* slowClose(source: AsyncIterable<number>) {
      try {
        for await (const n of source) yield n;
      } finally {
        finallyEntered = true;
        await stuck.promise; // e.g. `await conn.release()` on a dead connection, ignores the signal
      }
    }
    const controller = new AbortController();
    const reason = new Error('client left');
    let report: RunReport | undefined;
    const running = from([1, 2, 3])
      .pipe(slowClose)
      .to(
        async (items) => {
          for await (const n of items) {
            void n;
            gotOne.resolve();
            await sinkHold.promise;
          }
        },
        { signal: controller.signal, onReport: (r) => (report = r), cleanupTimeout: 0 },
      );
    await gotOne.promise;
    controller.abort(reason);
    const prompt = await settlesWithin(running);
    // cleanup for the test itself
    stuck.resolve();
    sinkHold.resolve();
    await running.catch(() => undefined);
    expect(finallyEntered).toBe(true);
    expect(prompt).toBe(true);
    // Two cleanups were still running when it settled: the stage's finally and the sink itself.
    expect(report!.pendingCleanups).toBe(2);
  });
});

describe('contract 4: release on exhaustion', () => {
  it('closes the resource when it reports its last batch, while the consumer is still working', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => i);
    let closedWhenConsumed = -1;
    let consumed = 0;
    const p = fromResource({
      open: () => ({ at: 0 }),
      read: (c) => {
        const items = rows.slice(c.at, c.at + 10);
        c.at += items.length;
        return { items, last: c.at >= rows.length };
      },
      close: () => {
        closedWhenConsumed = consumed;
      },
    });
    const report = await p.pipe(probe('slow', [])).to(async (source) => {
      for await (const row of source) {
        void row;
        consumed++;
        await new Promise((resolve) => setImmediate(resolve)); // a slow consumer
      }
    });
    expect(report).toBeUndefined();
    expect(closedWhenConsumed).toBe(40);
  });

  it('reports how long the source was held', async () => {
    const report = await from([1, 2, 3]).run();
    expect(report.source.openedAtMs).not.toBeNull();
    expect(report.source.closedAtMs).toBeGreaterThanOrEqual(report.source.openedAtMs!);
    expect(report.source.heldMs).toBeLessThanOrEqual(report.durationMs);
    expect(report.source.items).toBe(3);
  });
});

describe('contract 5: errors keep their identity', () => {
  it('rejects with the exact object a source, a middle stage or a sink threw', async () => {
    const err = new Error('source broke');
    const src = trackedSource({ items: [1, 2, 3, 4, 5, 6], throwAt: { index: 4, error: err } });
    await expect(from(src).pipe(probe('a', [])).run()).rejects.toBe(err);

    const mid = { not: 'an Error' };
    const source = trackedSource(Array.from({ length: 100 }, (_, i) => i));
    const log: string[] = [];
    const middle = async function* (input: AsyncIterable<number>) {
      for await (const n of input) {
        if (n === 4) throw mid;
        yield n;
      }
    };
    await expect(from(source).pipe(probe('a', log), middle, probe('c', log)).run()).rejects.toBe(mid);
    expect(source.stats.closes).toBe(1);
    expect(source.stats.produced).toBe(5);
    expect(log.sort()).toEqual(['a', 'c']);

    const sinkErr = new Error('sink broke');
    const s2 = trackedSource([1, 2, 3]);
    await expect(
      from(s2).to(async (input) => {
        for await (const n of input) if (n === 2) throw sinkErr;
      }),
    ).rejects.toBe(sinkErr);
    expect(s2.stats.closes).toBe(1);
  });

  it('keeps the first error and reports an error thrown while closing, without an unhandled rejection', async () => {
    const leaks = leakCheck();
    const primary = new Error('sink failed');
    const closing = new Error('close failed');
    const source = trackedSource({ items: [1, 2, 3], closeError: closing });
    const onCleanupError = vi.fn();
    let report: RunReport | undefined;
    const running = from(source).to(
      async (input) => {
        for await (const n of input) if (n === 2) throw primary;
      },
      { onCleanupError, onReport: (r) => (report = r) },
    );
    await expect(running).rejects.toBe(primary);
    expect(onCleanupError).toHaveBeenCalledWith(closing, 'TrackedSource');
    expect(report!.cleanupErrors).toEqual([closing]);
    expect(await leaks.finish()).toEqual(NO_LEAKS);
  });

  it('rejects with an error thrown while closing after an otherwise successful run', async () => {
    const closing = new Error('finally failed');
    async function* source() {
      try {
        yield 1;
      } finally {
        // eslint-disable-next-line no-unsafe-finally
        throw closing;
      }
    }
    await expect(from(source).toArray()).rejects.toBe(closing);
    const stoppedEarly = trackedSource({ items: [1, 2, 3], closeError: closing });
    await expect(
      from(stoppedEarly).to(async (input) => {
        for await (const n of input) if (n === 1) break;
      }),
    ).rejects.toBe(closing);
  });

  it('emits a process warning for a late cleanup error when no hook is given', async () => {
    const warned = deferred<Error>();
    const capture = captureWarnings(
      (w) => w.message.includes('late close failed'),
      (w) => warned.resolve(w),
    );
    try {
      const stuck = deferred<void>();
      const entered = deferred<void>();
      const controller = new AbortController();
      const stage = async function* stuckStage(input: AsyncIterable<number>) {
        try {
          for await (const n of input) {
            entered.resolve();
            await stuck.promise;
            yield n;
          }
        } finally {
          // eslint-disable-next-line no-unsafe-finally
          throw new Error('late close failed');
        }
      };
      let report: RunReport | undefined;
      const running = from([1])
        .pipe(stage)
        .run({ signal: controller.signal, onReport: (r) => (report = r) });
      await entered.promise;
      controller.abort();
      await expect(running).rejects.toBe(controller.signal.reason);
      stuck.resolve();
      await report!.closed;
      const warning = await warned.promise;
      expect(warning).toMatchObject({
        code: 'SLUICE_CLEANUP_ERROR',
        message: expect.stringContaining('late close failed'),
      });
      expect(report!.cleanupErrors).toHaveLength(1);
    } finally {
      capture.restore();
    }
  });

  it('rejects a pull left pending by a clean stop with the stage’s own error, not an internal TypeError [5.1]', async () => {
    const stuck = deferred<void>();
    const entered = deferred<void>();
    const late = new Error('stage failed late');
    async function* stuckStage(source: AsyncIterable<number>) {
      for await (const n of source) {
        entered.resolve();
        await stuck.promise; // ignores the signal
        yield n;
      }
    }
    const it = from([1, 2]).pipe(stuckStage).iterate();
    const pending = it.next();
    await entered.promise;
    await it.return!(); // the run settles 'stopped' (the stuck stage is a late cleanup)
    stuck.reject(late);
    await expect(pending).rejects.toBe(late);
  });
});

describe('contract 6: bounded memory', () => {
  it('keeps produced − consumed at most 1 through a chain of pull stages', async () => {
    const source = trackedSource(Array.from({ length: 100 }, (_, i) => i));
    let consumed = 0;
    let worst = 0;
    await from(source)
      .pipe(probe('a', []), probe('b', []))
      .to(async (input) => {
        for await (const n of input) {
          void n;
          worst = Math.max(worst, source.stats.produced - consumed);
          await new Promise((resolve) => setImmediate(resolve));
          consumed++;
        }
      });
    expect(consumed).toBe(100);
    expect(worst).toBeLessThanOrEqual(1);
  });
});

describe('report', () => {
  it('counts items and time per stage, fused stages listed one by one', async () => {
    const { defineSyncStage } = await import('./kit/index.js');
    const evens = defineSyncStage<number, number>('evens', () => ({
      push(batch, out) {
        for (const n of batch) if (n % 2 === 0) out.push(n);
        return true;
      },
    }));
    const report = await from(Array.from({ length: 10 }, (_, i) => i))
      .pipe(evens, probe('p', []))
      .run();
    expect(report.outcome).toBe('completed');
    expect(report.items).toBe(5);
    expect(report.stages).toEqual([
      expect.objectContaining({ name: 'evens', fused: true, itemsIn: 10, itemsOut: 5 }),
      expect.objectContaining({ name: 'p', fused: false, itemsIn: 5, itemsOut: 5 }),
    ]);
    for (const stage of report.stages) expect(stage.timeMs).toBeGreaterThanOrEqual(0);
    await report.closed;
    expect(report.pendingCleanups).toBe(0);
  });

  it('counts the items a batch sink received', async () => {
    const { defineBatchSink } = await import('./kit/index.js');
    let report: RunReport | undefined;
    const total = await from([1, 2, 3], { batchSize: 2 }).to(
      defineBatchSink('sum', async (batches: AsyncIterable<number[]>) => {
        let sum = 0;
        for await (const batch of batches) for (const n of batch) sum += n;
        return sum;
      }),
      { onReport: (r) => (report = r) },
    );
    expect(total).toBe(6);
    expect(report).toMatchObject({ outcome: 'completed', items: 3 });
  });

  it('says "stopped" when a sink returned before the end', async () => {
    let report: RunReport | undefined;
    await from([1, 2, 3]).to(
      async (input) => {
        for await (const n of input) if (n === 2) break;
      },
      { onReport: (r) => (report = r) },
    );
    expect(report).toMatchObject({ outcome: 'stopped', items: 2 });
  });

  it('says "stopped" when the consumer ended the run early', async () => {
    let report: RunReport | undefined;
    for await (const n of from([1, 2, 3]).iterate({ onReport: (r) => (report = r) })) if (n === 1) break;
    expect(report).toMatchObject({ outcome: 'stopped', items: 1 });
  });
});
