import { describe, expect, it } from 'vitest';
import { from } from '@sluice/core';
import { NO_LEAKS, deferred, leakCheck, liveAbortListenersAfter } from '@sluice/core/testing';
import { take } from '@sluice/operators';
import { fromReadableStream } from './from-readable-stream.js';

/** A stream that enqueues `items` on demand and records pulls and cancellation. */
function trackedStream<T>(items: readonly T[], { stallAt }: { stallAt?: number } = {}) {
  const stats = { pulls: 0, cancelled: 0, reason: undefined as unknown };
  const stalled = deferred();
  let index = 0;
  const stream = new ReadableStream<T>(
    {
      pull(controller) {
        stats.pulls++;
        if (index === stallAt) {
          stalled.resolve();
          return new Promise(() => undefined);
        }
        if (index < items.length) controller.enqueue(items[index++]!);
        else controller.close();
        return undefined;
      },
      cancel(reason) {
        stats.cancelled++;
        stats.reason = reason;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, stats, stalled };
}

describe('fromReadableStream', () => {
  it('does not lock the stream before the first pull', () => {
    const { stream } = trackedStream([1, 2]);
    const pipeline = fromReadableStream(stream);
    expect(stream.locked).toBe(false);
    void pipeline;
  });

  it('cancels the stream with the stop reason and releases the reader on an early break', async () => {
    const { stream, stats } = trackedStream([1, 2, 3, 4, 5]);
    for await (const n of fromReadableStream(stream)) if (n === 2) break;
    expect(stats.cancelled).toBe(1);
    expect(stats.reason).toMatchObject({ name: 'AbortError' });
    expect(stream.locked).toBe(false);
    expect(stats.pulls).toBe(2);
  });

  it('cancels a stalled stream at once when the run is aborted, with the reason', async () => {
    const { stream, stats, stalled } = trackedStream([1, 2, 3], { stallAt: 1 });
    const controller = new AbortController();
    const leaks = leakCheck({ watch: [controller.signal] });
    const running = fromReadableStream(stream).toArray({ signal: controller.signal });
    await stalled.promise;
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    expect(stats.cancelled).toBe(1);
    expect(stats.reason).toBe(reason);
    expect(stream.locked).toBe(false);
    expect(await leaks.finish()).toEqual(NO_LEAKS);
  });

  it('fails the run with the stream error, unchanged, and releases the reader', async () => {
    const boom = new Error('boom');
    let sent = 0;
    const stream = new ReadableStream<number>({
      pull(controller) {
        if (sent++ < 2) controller.enqueue(sent);
        else controller.error(boom);
      },
    });
    await expect(fromReadableStream(stream).toArray()).rejects.toBe(boom);
    expect(stream.locked).toBe(false);
  });

  it('with preventCancel, releases the reader and leaves the stream readable', async () => {
    const { stream, stats } = trackedStream([1, 2, 3]);
    expect(
      await fromReadableStream(stream, { preventCancel: true })
        .pipe(async function* firstOnly(source) {
          for await (const n of source) {
            yield n;
            return;
          }
        })
        .toArray(),
    ).toEqual([1]);
    expect(stats.cancelled).toBe(0);
    expect(stream.locked).toBe(false);
    expect(await fromReadableStream(stream).toArray()).toEqual([2, 3]);
  });

  it('refuses a second run with a coded error', async () => {
    const { stream } = trackedStream([1]);
    const pipeline = fromReadableStream(stream);
    expect(await pipeline.toArray()).toEqual([1]);
    await expect(pipeline.toArray()).rejects.toMatchObject({ code: 'ERR_SLUICE_INVALID_SOURCE' });
  });

  it('never touches the stream under an already-aborted signal', async () => {
    const { stream, stats } = trackedStream([1]);
    const reason = new Error('already');
    await expect(fromReadableStream(stream).toArray({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(stream.locked).toBe(false);
    expect(stats.pulls).toBe(0);
  });

  it('validates its arguments with coded errors', () => {
    expect(() => fromReadableStream(from([1]) as never)).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_SOURCE' }),
    );
    const { stream } = trackedStream([1]);
    expect(() => fromReadableStream(stream, { preventCancel: 'yes' } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }),
    );
  });
});

describe('fromReadableStream and the run signal', () => {
  it('unlinks the abort that cancels the stream once the stream ended, and after an early stop', async () => {
    const live = await liveAbortListenersAfter(async () => {
      expect(await fromReadableStream(trackedStream([1, 2, 3]).stream).toArray()).toEqual([1, 2, 3]);
      const stopped = trackedStream([1, 2, 3]);
      expect(await fromReadableStream(stopped.stream).pipe(take(1)).toArray()).toEqual([1]);
      expect(stopped.stats.cancelled).toBe(1);
    });
    expect(live).toBe(0);
  });
});
