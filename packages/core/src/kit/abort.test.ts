import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { abortListenerCount, deferred, liveAbortListenersAfter } from '../testing/index.js';
import { Notifier, onAbort, pullOnce, raceSignal } from './index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** True once nothing keeps `ref`'s target reachable (a few collections: reactions unwind in turns). */
async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let i = 0; i < 5; i++) {
    await turn();
    gc();
    if (ref.deref() === undefined) return true;
  }
  return false;
}

describe('onAbort', () => {
  it('calls fn once with the reason when the signal aborts, and leaves no listener', () => {
    const controller = new AbortController();
    const calls: unknown[] = [];
    onAbort(controller.signal, (reason) => calls.push(reason));
    expect(abortListenerCount(controller.signal)).toBe(1);
    controller.abort('why');
    expect(calls).toEqual(['why']);
    expect(abortListenerCount(controller.signal)).toBe(0);
  });

  it('calls fn synchronously, before returning, on an already-aborted signal and returns a harmless unlink', () => {
    const calls: unknown[] = [];
    const unlink = onAbort(AbortSignal.abort('early'), (reason) => calls.push(reason));
    expect(calls).toEqual(['early']);
    unlink();
    unlink();
    expect(calls).toEqual(['early']);
  });

  it('holds one listener however many callbacks are linked, and none once all unlinked', () => {
    const { signal } = new AbortController();
    const unlinks = Array.from({ length: 50 }, () => onAbort(signal, () => undefined));
    expect(abortListenerCount(signal)).toBe(1);
    for (const unlink of unlinks) {
      unlink();
      unlink();
    }
    expect(abortListenerCount(signal)).toBe(0);
  });

  it('never calls a callback unlinked before the abort, or by an earlier callback during it', () => {
    const controller = new AbortController();
    const calls: string[] = [];
    onAbort(controller.signal, () => undefined)();
    let unlinkSecond: () => void = () => {};
    onAbort(controller.signal, () => {
      calls.push('first');
      unlinkSecond();
    });
    unlinkSecond = onAbort(controller.signal, () => calls.push('second'));
    onAbort(controller.signal, () => calls.push('third'));
    controller.abort();
    expect(calls).toEqual(['first', 'third']);
  });

  it('links again after every callback unlinked (a fresh listener, still one)', () => {
    const controller = new AbortController();
    onAbort(controller.signal, () => undefined)();
    const calls: number[] = [];
    onAbort(controller.signal, () => calls.push(1));
    expect(abortListenerCount(controller.signal)).toBe(1);
    controller.abort();
    expect(calls).toEqual([1]);
  });

  it('reports a throwing callback as uncaught and still runs the others', async () => {
    const controller = new AbortController();
    const failure = new Error('callback failed');
    const calls: string[] = [];
    const uncaught: unknown[] = [];
    const listeners = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    process.on('uncaughtException', (error) => uncaught.push(error));
    try {
      onAbort(controller.signal, () => {
        throw failure;
      });
      onAbort(controller.signal, () => calls.push('after'));
      controller.abort();
      await turn();
    } finally {
      process.removeAllListeners('uncaughtException');
      for (const listener of listeners) process.on('uncaughtException', listener);
    }
    expect(calls).toEqual(['after']);
    expect(uncaught).toEqual([failure]);
  });

  it('keeps the listener count at zero after any interleaving of links, unlinks and an abort (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant('link' as const), fc.nat(20), fc.constant('abort' as const)), { maxLength: 40 }),
        (steps) => {
          const controller = new AbortController();
          const unlinks: (() => void)[] = [];
          const called = new Map<number, number>();
          const unlinked = new Set<number>();
          let abortedAt = -1;
          for (const step of steps) {
            if (step === 'link') {
              const id = unlinks.length;
              unlinks.push(onAbort(controller.signal, () => called.set(id, (called.get(id) ?? 0) + 1)));
            } else if (step === 'abort') {
              if (abortedAt < 0) abortedAt = unlinks.length;
              controller.abort();
            } else if (unlinks.length > 0) {
              const id = step % unlinks.length;
              unlinks[id]!();
              if (!called.has(id)) unlinked.add(id);
            }
          }
          for (const count of called.values()) expect(count).toBe(1);
          for (let id = 0; id < unlinks.length; id++) {
            if (controller.signal.aborted && !unlinked.has(id)) expect(called.get(id)).toBe(1);
            if (unlinked.has(id)) expect(called.has(id)).toBe(false);
          }
          for (const unlink of unlinks) unlink();
          expect(abortListenerCount(controller.signal)).toBe(0);
        },
      ),
    );
  });
});

describe('raceSignal', () => {
  it('resolves with the promise and removes its listener', async () => {
    const controller = new AbortController();
    const step = deferred<number>();
    const racing = raceSignal(step.promise, controller.signal);
    expect(abortListenerCount(controller.signal)).toBe(1);
    step.resolve(7);
    await expect(racing).resolves.toBe(7);
    expect(abortListenerCount(controller.signal)).toBe(0);
  });

  it('rejects with the promise and removes its listener', async () => {
    const controller = new AbortController();
    const failure = new Error('read failed');
    const racing = raceSignal(Promise.reject(failure), controller.signal);
    await expect(racing).rejects.toBe(failure);
    expect(abortListenerCount(controller.signal)).toBe(0);
  });

  it('rejects with signal.reason on abort, removes its listener, and a later rejection of the loser is handled', async () => {
    const controller = new AbortController();
    const step = deferred<number>();
    const racing = raceSignal(step.promise, controller.signal);
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(racing).rejects.toBe(reason);
    expect(abortListenerCount(controller.signal)).toBe(0);
    step.reject(new Error('late'));
    await turn();
    // The setup file fails the test on any unhandled rejection.
  });

  it('rejects at once on an already-aborted signal and never lets the loser reject unhandled', async () => {
    const step = deferred<number>();
    const racing = raceSignal(step.promise, AbortSignal.abort('already'));
    await expect(racing).rejects.toBe('already');
    step.reject(new Error('late'));
    await turn();
  });

  it('is the promise itself without a signal', async () => {
    await expect(raceSignal(Promise.resolve(3), undefined)).resolves.toBe(3);
  });

  it('keeps nothing of a won race reachable from the long-lived signal', async () => {
    const { signal } = new AbortController();
    const won = async () => {
      const value = { payload: Buffer.alloc(1024) };
      if ((await raceSignal(Promise.resolve(value), signal)) !== value) throw new Error('not the value');
      return new WeakRef(value);
    };
    expect(await collected(await won())).toBe(true);
    expect(abortListenerCount(signal)).toBe(0);
  });

  it('keeps nothing of the races it lost reachable from a promise that stays pending', async () => {
    const pending = deferred<number>();
    const lost = async () => {
      const controller = new AbortController();
      const reason = { payload: Buffer.alloc(1024) };
      const racing = raceSignal(pending.promise, controller.signal);
      controller.abort(reason);
      await racing.catch(() => undefined);
      return new WeakRef(reason);
    };
    const refs = [await lost(), await lost(), await lost()];
    for (const ref of refs) expect(await collected(ref)).toBe(true);
    pending.resolve(1);
  });

  it('adds nothing per race to a promise that stays pending: 40 000 lost races leave the heap where it was', async () => {
    const pending = deferred<number>();
    const lose = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const controller = new AbortController();
        if (i % 2 === 0) controller.abort();
        const racing = raceSignal(pending.promise, controller.signal);
        controller.abort();
        await racing.catch(() => undefined);
      }
    };
    await lose(1000);
    await collected(new WeakRef({}));
    const before = process.memoryUsage().heapUsed;
    await lose(40_000);
    await collected(new WeakRef({}));
    // One reaction (a closure and its promise) per race would be several MiB.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(1024 * 1024);
    pending.resolve(1);
  });

  it('follows one pending promise through many races with one reaction (every race settles with it)', async () => {
    const pending = deferred<number>();
    const { signal } = new AbortController();
    const races = Array.from({ length: 20 }, () => raceSignal(pending.promise, signal));
    expect(abortListenerCount(signal)).toBe(1);
    pending.resolve(5);
    expect(await Promise.all(races)).toEqual(Array(20).fill(5));
    expect(abortListenerCount(signal)).toBe(0);
  });
});

describe('Notifier', () => {
  it('remembers a notify that comes before the wait (no lost wakeup)', async () => {
    const notifier = new Notifier();
    notifier.notify();
    await notifier.wait();
    let woken = false;
    void notifier.wait().then(() => (woken = true));
    await turn();
    expect(woken).toBe(false);
    notifier.notify();
    await turn();
    expect(woken).toBe(true);
  });

  it('wakes every current waiter and removes their listeners', async () => {
    const notifier = new Notifier();
    const { signal } = new AbortController();
    const waits = [notifier.wait(signal), notifier.wait(signal), notifier.wait()];
    expect(abortListenerCount(signal)).toBe(1);
    notifier.notify();
    await Promise.all(waits);
    expect(abortListenerCount(signal)).toBe(0);
  });

  it('rejects with signal.reason on abort and leaves no listener and no waiter, so the next notify is remembered', async () => {
    const notifier = new Notifier();
    const controller = new AbortController();
    const waiting = notifier.wait(controller.signal);
    controller.abort('gone');
    await expect(waiting).rejects.toBe('gone');
    expect(abortListenerCount(controller.signal)).toBe(0);
    notifier.notify();
    let woken = false;
    void notifier.wait().then(() => (woken = true));
    await turn();
    expect(woken).toBe(true);
  });

  it('rejects at once on an already-aborted signal without consuming a remembered notify', async () => {
    const notifier = new Notifier();
    notifier.notify();
    await expect(notifier.wait(AbortSignal.abort('no'))).rejects.toBe('no');
    await notifier.wait();
  });

  it('leaves no listener on a long-lived signal after 1000 notified waits', async () => {
    const notifier = new Notifier();
    const { signal } = new AbortController();
    for (let i = 0; i < 1000; i++) {
      const waiting = notifier.wait(signal);
      notifier.notify();
      await waiting;
    }
    expect(abortListenerCount(signal)).toBe(0);
  });
});

describe('pullOnce', () => {
  it('passes the demand hint only when given', async () => {
    const hints: unknown[][] = [];
    const it = {
      next(...args: unknown[]) {
        hints.push(args);
        return Promise.resolve({ done: false, value: 1 });
      },
    };
    await pullOnce(it, 'test');
    await pullOnce(it, 'test', 5);
    expect(hints).toEqual([[], [5]]);
  });

  it('turns a next() that throws synchronously into a rejection', async () => {
    const failure = new Error('sync throw');
    const it = {
      next(): Promise<IteratorResult<number>> {
        throw failure;
      },
    };
    let pulled: Promise<unknown> | undefined;
    expect(() => (pulled = pullOnce(it, 'test'))).not.toThrow();
    await expect(pulled).rejects.toBe(failure);
  });

  it.each([null, 5, 'x', undefined])(
    'rejects a result of %s with ERR_SLUICE_INVALID_ITERATOR naming the caller',
    async (result) => {
      const it = { next: () => Promise.resolve(result) } as unknown as AsyncIterator<number>;
      await expect(pullOnce(it, 'buffer()')).rejects.toMatchObject({
        name: 'TypeError',
        code: 'ERR_SLUICE_INVALID_ITERATOR',
        message: expect.stringMatching(/^buffer\(\): the iterator's next\(\) returned/),
      });
    },
  );

  it('accepts a result returned synchronously (not a promise), as for await does', async () => {
    const it = { next: () => ({ done: false, value: 2 }) } as unknown as AsyncIterator<number>;
    await expect(pullOnce(it, 'test')).resolves.toEqual({ done: false, value: 2 });
  });
});

describe('liveAbortListenersAfter (testing kit)', () => {
  it('counts a listener left on a signal that never aborted, and not one removed or dropped by an abort', async () => {
    const kept = new AbortController();
    const aborted = new AbortController();
    const leaked = () => undefined;
    expect(
      await liveAbortListenersAfter(async () => {
        kept.signal.addEventListener('abort', leaked);
        const removed = () => undefined;
        kept.signal.addEventListener('abort', removed);
        kept.signal.removeEventListener('abort', removed);
        aborted.signal.addEventListener('abort', () => undefined, { once: true });
        aborted.abort();
      }),
    ).toBe(1);
    kept.signal.removeEventListener('abort', leaked);
    expect(await liveAbortListenersAfter(async () => onAbort(kept.signal, () => undefined)())).toBe(0);
  });
});
