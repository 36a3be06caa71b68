import { describe, expect, it, vi } from 'vitest';
import { from, type RunReport } from '@sluice/core';
import { NO_LEAKS, abortListenerCount, leakCheck, liveAbortListenersAfter, trackedSource } from '@sluice/core/testing';
import { toReadableStream } from './to-readable-stream.js';

describe('toReadableStream', () => {
  it('opens nothing until the first read', async () => {
    const source = trackedSource([1, 2, 3]);
    const stream = toReadableStream(from(source));
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.stats.opens).toBe(0);
    const reader = stream.getReader();
    expect(await reader.read()).toEqual({ done: false, value: 1 });
    expect(source.stats.opens).toBe(1);
    await reader.cancel();
  });

  it('pulls one item per read, with no read-ahead', async () => {
    const source = trackedSource([1, 2, 3, 4, 5]);
    const reader = toReadableStream(from(source)).getReader();
    await reader.read();
    await reader.read();
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.stats.produced).toBe(2);
    await reader.cancel();
    expect(source.stats.closes).toBe(1);
  });

  it('cancel() aborts the run with its reason and releases a source stuck in a pull', async () => {
    const source = trackedSource({ items: [1], hangAt: 1 });
    let report: RunReport | undefined;
    const reader = toReadableStream(from(source), { onReport: (r) => (report = r) }).getReader();
    await reader.read();
    const pending = reader.read();
    await source.hanging.promise;
    const reason = new Error('client went away');
    await reader.cancel(reason);
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(report?.outcome).toBe('aborted');
    expect(report?.error).toBe(reason);
    // However the stuck pull ends, the source is closed exactly once.
    source.release();
    await source.closed.promise;
    expect(source.stats.closes).toBe(1);
  });

  it('cancelling before the first read opens nothing', async () => {
    const source = trackedSource([1, 2]);
    await toReadableStream(from(source)).cancel('never mind');
    expect(source.stats.opens).toBe(0);
  });

  it('errors the stream with the run error, unchanged, and closes the source once', async () => {
    const boom = new Error('boom');
    const source = trackedSource({ items: [1, 2, 3], throwAt: { index: 1, error: boom } });
    const reader = toReadableStream(from(source)).getReader();
    expect((await reader.read()).value).toBe(1);
    await expect(reader.read()).rejects.toBe(boom);
    expect(source.stats.closes).toBe(1);
  });

  it("errors the stream with the caller signal's reason and leaves no listener on it", async () => {
    const parent = new AbortController();
    const leaks = leakCheck({ watch: [parent.signal] });
    const source = trackedSource({ items: [1], hangAt: 1 });
    const reader = toReadableStream(from(source), { signal: parent.signal }).getReader();
    await reader.read();
    const pending = reader.read();
    await source.hanging.promise;
    expect(abortListenerCount(parent.signal)).toBe(1);
    const reason = new Error('shutting down');
    parent.abort(reason);
    await expect(pending).rejects.toBe(reason);
    source.release();
    await source.closed.promise;
    expect(source.stats.closes).toBe(1);
    expect(await leaks.finish()).toEqual(NO_LEAKS);
  });

  it('errors with the TimeoutError when the timeout elapses', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const source = trackedSource({ items: [1], hangAt: 1 });
      const reader = toReadableStream(from(source), { timeout: 50 }).getReader();
      await reader.read();
      const pending = reader.read();
      await source.hanging.promise;
      vi.advanceTimersByTime(50);
      await expect(pending).rejects.toMatchObject({ name: 'TimeoutError' });
      source.release();
      await source.closed.promise;
      expect(source.stats.closes).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('rejects a non-pipeline and unknown options with coded errors', () => {
    expect(() => toReadableStream([1, 2] as never)).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_ARGUMENT' }),
    );
    expect(() => toReadableStream(from([1]), { highWaterMark: 2 } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }),
    );
  });
});

describe('toReadableStream and the caller signal', () => {
  it('unlinks from the caller signal once the stream was read to its end', async () => {
    const parent = new AbortController();
    const live = await liveAbortListenersAfter(async () => {
      const seen: number[] = [];
      for await (const n of toReadableStream(from([1, 2, 3]), {
        signal: parent.signal,
      }) as unknown as AsyncIterable<number>)
        seen.push(n);
      expect(seen).toEqual([1, 2, 3]);
    });
    expect(live).toBe(0);
    expect(abortListenerCount(parent.signal)).toBe(0);
  });
});

describe('found in review: toReadableStream', () => {
  it('regression: rejects a timeout above 2^31-1 ms at call time, like every run method does', () => {
    expect(() => toReadableStream(from([1]), { timeout: 2 ** 31 })).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE' }),
    );
  });
});
