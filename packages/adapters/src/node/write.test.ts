import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  NO_LEAKS,
  abortListenerCount,
  deferred,
  flushMacrotask,
  leakCheck,
  listenerCounts,
  slowWritable,
} from '@sluice/core/testing';
import { isDestinationClosed } from '../internal/errors.js';
import { isClosed, waitForDrain, write } from './write.js';

const EVENTS = ['drain', 'close', 'finish', 'error'] as const;

/** A writable with highWaterMark 1 whose first write never completes: it needs a drain forever. */
function stuckWritable(): Writable {
  const w = new Writable({ objectMode: true, highWaterMark: 1, write() {} });
  w.write('first');
  return w;
}

describe('isClosed', () => {
  it('is false for an open writable and true once it was ended', () => {
    const w = new PassThrough();
    expect(isClosed(w)).toBe(false);
    w.end();
    expect(isClosed(w)).toBe(true);
  });
});

describe('waitForDrain', () => {
  it('resolves at once when no drain is needed', async () => {
    const w = new PassThrough();
    await waitForDrain(w);
    expect(listenerCounts(w, EVENTS)).toEqual({ drain: 0, close: 0, finish: 0, error: 0 });
  });

  it('rejects within one tick when the writable is destroyed without an error, over 20 rounds with no listener growth', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 20; i++) {
      const w = stuckWritable();
      const before = listenerCounts(w, EVENTS);
      const waiting = waitForDrain(w, controller.signal);
      let settled = false;
      waiting.catch(() => (settled = true));
      w.destroy();
      await flushMacrotask();
      expect(settled).toBe(true);
      await expect(waiting).rejects.toSatisfy(isDestinationClosed);
      expect(listenerCounts(w, EVENTS)).toEqual(before);
    }
    expect(abortListenerCount(controller.signal)).toBe(0);
  });

  it('leaves no listener behind over 25 drain waits on one writable', async () => {
    const leaks = leakCheck();
    const w = slowWritable({ highWaterMark: 1 });
    const before = listenerCounts(w, EVENTS);
    const signal = new AbortController().signal;
    for (let i = 0; i < 25; i++) {
      expect(w.write(i)).toBe(false);
      await waitForDrain(w, signal);
    }
    expect(w.drains).toBe(25);
    expect(listenerCounts(w, EVENTS)).toEqual(before);
    expect(abortListenerCount(signal)).toBe(0);
    expect(await leaks.finish()).toEqual(NO_LEAKS);
  });

  it('rejects with the error of a writable that errored before the call instead of hanging', async () => {
    const w = stuckWritable();
    const failure = new Error('broken pipe');
    w.on('error', () => {});
    w.destroy(failure);
    await expect(waitForDrain(w)).rejects.toBe(failure);
  });

  it('rejects with the error the writable is destroyed with during the wait', async () => {
    const w = stuckWritable();
    const failure = new Error('reset');
    const waiting = waitForDrain(w);
    w.destroy(failure);
    await expect(waiting).rejects.toBe(failure);
    expect(listenerCounts(w, ['error'])).toEqual({ error: 0 });
  });

  it('rejects with signal.reason on abort and removes its listeners', async () => {
    const w = stuckWritable();
    const controller = new AbortController();
    const reason = new Error('deadline');
    const waiting = waitForDrain(w, controller.signal);
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(listenerCounts(w, EVENTS)).toEqual({ drain: 0, close: 0, finish: 0, error: 0 });
    expect(abortListenerCount(controller.signal)).toBe(0);
    await expect(waitForDrain(w, controller.signal)).rejects.toBe(reason);
  });
});

describe('write', () => {
  it('keeps a slow writable with highWaterMark 2 at no more than 3 buffered items and waits for drain', async () => {
    const w = slowWritable({ highWaterMark: 2 });
    for (let i = 0; i < 50; i++) await write(w, i);
    expect(w.maxBuffered).toBeLessThanOrEqual(3);
    expect(w.drains).toBeGreaterThan(0);
  });

  it('settles when someone else ends the writable while it waits (no drain comes after end), and the next write rejects', async () => {
    const pending = deferred();
    const w = new Writable({
      objectMode: true,
      highWaterMark: 1,
      write: (_c, _e, cb) => void pending.promise.then(() => cb()),
    });
    const writing = write(w, 1);
    w.end();
    pending.resolve(); // our chunk is flushed: 'finish' follows, 'drain' never does
    await writing;
    await expect(write(w, 2)).rejects.toSatisfy(isDestinationClosed);
    expect(listenerCounts(w, EVENTS)).toEqual({ drain: 0, close: 0, finish: 0, error: 0 });
  });

  it('does not hang when a writable asks to wait and never emits drain, once the chunk is flushed (Node 26 ServerResponse)', async () => {
    const flushed = deferred();
    // A writable that reports a full buffer but, like Node 26's ServerResponse, never emits 'drain'.
    const w = new Writable({
      objectMode: true,
      highWaterMark: 1,
      write: (_c, _e, cb) => void flushed.promise.then(() => cb()),
    });
    w.emit = ((original) =>
      function (this: Writable, event: string | symbol, ...args: unknown[]) {
        return event === 'drain' ? false : original.call(this, event, ...args);
      })(w.emit);
    const writing = write(w, 1);
    flushed.resolve();
    await writing;
    expect(listenerCounts(w, EVENTS)).toEqual({ drain: 0, close: 0, finish: 0, error: 0 });
  });

  it('refuses to write to a closed writable or under an aborted signal', async () => {
    const w = new PassThrough();
    w.end();
    await expect(write(w, 'late')).rejects.toSatisfy(isDestinationClosed);
    const reason = new Error('stop');
    await expect(write(new PassThrough(), 'x', { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  it('throws coded TypeErrors for a non-writable or a bad signal', async () => {
    await expect(write({} as never, 'x')).rejects.toMatchObject({ code: 'ERR_SLUICE_INVALID_ARGUMENT' });
    await expect(write(new PassThrough(), 'x', { signal: 'no' as never })).rejects.toMatchObject({
      code: 'ERR_SLUICE_INVALID_OPTION',
    });
  });
});

describe('found in review: write()', () => {
  it("regression: rejects with the writable's error (does not resolve through the flush callback) when it is destroyed with an error during the drain wait", async () => {
    // hwm 2: 'a' is in flight forever, 'b' is buffered and makes write() return false.
    const w = new Writable({ objectMode: true, highWaterMark: 2, write() {} });
    w.on('error', () => undefined);
    w.write('a');
    const boom = new Error('disk on fire');
    const writing = write(w, 'b').then(
      () => 'resolved',
      (error: unknown) => error,
    );
    w.destroy(boom);
    // Contract: "Rejects … with the writable's error when it errored … Never hangs".
    expect(await writing).toBe(boom);
  });
});
