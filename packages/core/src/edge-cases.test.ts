/**
 * Edge cases of the runner found in review, each a regression test for a bug that was fixed
 * (contract lines in brackets), plus edges that were checked and hold. No sleeps: deferreds and
 * event-loop turns only.
 */
import { describe, expect, it, vi } from 'vitest';
import { from, fromResource, type RunReport, type StageContext } from './index.js';
import { defineSyncStage } from './kit/index.js';
import { deferred, flushMacrotask, trackedResource, trackedSource } from './testing/index.js';

// --- minimal copies of the operators the runner fuses (same descriptors as @sluice/operators) ---
type Fn = (item: any, ctx: { readonly signal: AbortSignal; readonly index: number }) => unknown;
const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';

function mapK(fn: Fn) {
  return defineSyncStage<any, any>('map', (ctx) => {
    const ictx = { signal: ctx.signal, index: 0 };
    let index = 0;
    return {
      push(batch, out) {
        const rest = async (from: number, pending: PromiseLike<unknown>) => {
          out.push(await pending);
          for (let i = from; i < batch.length; i++) {
            ictx.index = index++;
            out.push(await fn(batch[i], ictx));
          }
          return true;
        };
        for (let i = 0; i < batch.length; i++) {
          ictx.index = index++;
          const v = fn(batch[i], ictx);
          if (isThenable(v)) return rest(i + 1, v);
          out.push(v);
        }
        return true;
      },
    };
  }, { oneToOne: true, inline: { op: 'map', fn } });
}
function filterK(fn: Fn) {
  return defineSyncStage<any, any>('filter', (ctx) => {
    const ictx = { signal: ctx.signal, index: 0 };
    let index = 0;
    return {
      push(batch, out) {
        for (let i = 0; i < batch.length; i++) {
          ictx.index = index++;
          if (fn(batch[i], ictx)) out.push(batch[i]);
        }
        return true;
      },
    };
  }, { inline: { op: 'filter', fn } });
}
function tapK(fn: Fn) {
  return defineSyncStage<any, any>('tap', () => ({
    push(batch, out) {
      for (const x of batch) out.push(x);
      return true;
    },
  }), { oneToOne: true, inline: { op: 'tap', fn } });
}
function takeK(n: number) {
  return defineSyncStage<any, any>('take', () => {
    let taken = 0;
    return {
      push(batch, out) {
        const end = Math.min(n - taken, batch.length);
        for (let i = 0; i < end; i++) out.push(batch[i]);
        taken += end;
        return taken < n;
      },
      want: () => n - taken,
    };
  }, { oneToOne: true });
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

describe('edge cases: teardown and settlement', () => {
  it('an aborted run settles promptly even when an idle stage’s finally is stuck (3.2 / 3.3)', async () => {
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
    const running = from([1, 2, 3]).pipe(slowClose).to(
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

  it('a consumer that returns while its next() is pending still gets "stopped", and to() resolves (2.3 / 5.3)', async () => {
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

  it('a pending pull that fails after a clean stop surfaces the stage error, not an internal TypeError', async () => {
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

  it('the sink is not called when the signal is already aborted (1.2, like the source)', async () => {
    const sink = vi.fn(async (items: AsyncIterable<number>) => {
      for await (const n of items) void n;
    });
    const reason = new Error('gone before start');
    await expect(from([1, 2]).to(sink, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await flushMacrotask();
    expect(sink).not.toHaveBeenCalled();
  });

  it('next() after return() on iterate() reports done instead of starting a run', async () => {
    const source = trackedSource([1, 2, 3]);
    const it = from(source).iterate();
    await it.return!();
    const r = await it.next();
    expect(r.done).toBe(true);
    expect(source.stats.opens).toBe(0);
  });
});

describe('edge cases: lazy source function', () => {
  it('a source function that resolves after an abort is not opened nor pulled (1 / 3.1)', async () => {
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

describe('edge cases: timeout', () => {
  it('refuses a timeout above 2^31-1 ms, which setTimeout would turn into 1 ms', () => {
    const source = trackedSource([1]);
    expect(() => from(source).run({ timeout: 2 ** 31 })).toThrow(
      expect.objectContaining({ name: 'RangeError', code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE', message: expect.stringContaining('24.8 days') }),
    );
    expect(source.stats.opens).toBe(0);
  });

  it('accepts Infinity as no timeout', async () => {
    expect(await from([1]).toArray({ timeout: Infinity })).toEqual([1]);
  });
});

describe('edge cases: fusion and demand', () => {
  it('never opens the source for take(0) behind a filter', async () => {
    const { options, stats } = trackedResource([1, 2, 3]);
    const out = await fromResource(options).pipe(filterK(() => true), takeK(0)).toArray();
    expect(out).toEqual([]);
    expect(stats.opens).toBe(0);
    expect(stats.reads).toBe(0);
  });

  it('delivers the items mapped before an error in the same batch, as item by item (per-item semantics)', async () => {
    const boom = new Error('bad row');
    const seen: number[] = [];
    const running = from([1, 2, 3]).pipe(
      mapK((n: number) => {
        if (n === 3) throw boom;
        return n;
      }),
      tapK(() => undefined), // compiled with map into one loop
    ).to(async (items) => {
      for await (const n of items) seen.push(n);
    });
    await expect(running).rejects.toBe(boom);
    // Item by item (Node pipeline, or batchSize: 1) the sink sees 1 and 2 before the error.
    expect(seen).toEqual([1, 2]);
  });

  it('the compiled loop awaits non-Promise thenables, keeps order and per-stage indexes', async () => {
    const thenable = (v: unknown) => ({ then: (res: (x: unknown) => void) => res(v) });
    const idx: Record<string, number[]> = { m: [], f: [], t: [] };
    const out = await from([1, 2, 3, 4, 5, 6]).pipe(
      mapK((n: number, c) => {
        idx.m!.push(c.index);
        return n % 2 === 0 ? thenable(n * 10) : n * 10;
      }),
      filterK((n: number, c) => {
        idx.f!.push(c.index);
        return n === 30 ? Promise.resolve(false) : n !== 50;
      }),
      tapK((_n: number, c) => {
        idx.t!.push(c.index);
        return c.index === 1 ? thenable(undefined) : undefined;
      }),
    ).toArray();
    expect(out).toEqual([10, 20, 40, 60]);
    expect(idx).toEqual({ m: [0, 1, 2, 3, 4, 5], f: [0, 1, 2, 3, 4, 5], t: [0, 1, 2, 3] });
  });

  it('an error thrown after the compiled loop went async fails the run with that error', async () => {
    const boom = { not: 'an Error' };
    const { options, stats } = trackedResource([1, 2, 3, 4], { batchSize: 4 });
    const running = fromResource(options).pipe(
      mapK(async (n: number) => n),
      tapK((n: number) => {
        if (n === 3) throw boom;
      }),
    ).toArray();
    await expect(running).rejects.toBe(boom);
    expect(stats.closes).toBe(1);
  });
});

describe('edge cases: reports and cleanup errors', () => {
  it('a cleanup error that fails an otherwise successful run is also passed to onCleanupError (5.4)', async () => {
    const closing = new Error('close failed');
    const onCleanupError = vi.fn();
    const source = trackedSource({ items: [1, 2, 3], closeError: closing });
    const running = from(source).to(
      async (items) => {
        for await (const n of items) if (n === 1) break;
      },
      { onCleanupError },
    );
    await expect(running).rejects.toBe(closing);
    expect(onCleanupError).toHaveBeenCalledWith(closing, 'TrackedSource');
  });

  it('reports a resource whose open() failed as released, not held (4.3)', async () => {
    const failure = new Error('connect refused');
    let report: RunReport | undefined;
    await expect(
      fromResource({
        open: () => Promise.reject(failure),
        read: () => [1],
        close: () => undefined,
      }).run({ onReport: (r) => (report = r) }),
    ).rejects.toBe(failure);
    expect(report!.source.closedAtMs !== null || report!.source.openedAtMs === null).toBe(true);
  });
});

describe('edge cases: protocol of the items a stage receives', () => {
  it('lets a stage call next() on its source again before the previous call settled', async () => {
    // Legal on any async generator or Node readable: the calls are queued.
    async function* prefetch(source: AsyncIterable<number>) {
      const it = source[Symbol.asyncIterator]();
      for (;;) {
        const [a, b] = await Promise.all([it.next(), it.next()]);
        if (!a.done) yield a.value;
        if (!b.done) yield b.value;
        if (a.done || b.done) return;
      }
    }
    await expect(from(trackedSource([1, 2, 3, 4])).pipe(prefetch).toArray()).resolves.toEqual([1, 2, 3, 4]);
  });
});

describe('edge cases: types', () => {
  it('types from(Uint8Array) as a pipeline of that buffer, which it yields whole', async () => {
    const out = await from(new Uint8Array([1, 2])).toArray();
    const first: Uint8Array = out[0]!;
    expect(first).toEqual(new Uint8Array([1, 2]));
    expect(out).toHaveLength(1);
  });
});
