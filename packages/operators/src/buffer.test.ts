import { from, fromResource, type RunReport } from '@sluice/core';
import { NO_LEAKS, conformance, flushMacrotask, leakCheck, trackedResource, trackedSource } from '@sluice/core/testing';
import { describe, expect, it } from 'vitest';
import { buffer } from './buffer.js';

const rows = Array.from({ length: 50 }, (_, i) => ({ id: i }));

describe('buffer', () => {
  for (const c of conformance('buffer(2)', () => buffer<number>(2), { input: [1, 2, 3, 4], maxPulledForFirst: 3 }))
    it(c.name, c.run);

  it('releases a resource read to its end before a slow consumer has taken its second item', async () => {
    const { options, stats, released } = trackedResource(rows, { batchSize: 10 });
    let report: RunReport | undefined;
    const it = fromResource(options)
      .pipe(buffer(64))
      .iterate({ onReport: (r) => (report = r) });
    expect((await it.next()).value).toEqual({ id: 0 });
    await flushMacrotask();
    expect(released.settled).toBe(true);
    expect(stats.closes).toBe(1);
    expect(stats.produced).toBe(50);
    let taken = 1;
    for (;;) {
      const r = await it.next();
      if (r.done) break;
      taken++;
    }
    expect(taken).toBe(50);
    expect(report?.outcome).toBe('completed');
    expect(report?.source.closedAtMs).not.toBeNull();
    expect(stats.closes).toBe(1);
  });

  it('without it, the same resource stays open until the consumer reaches the end', async () => {
    const { options, released } = trackedResource(rows, { batchSize: 10 });
    const it = fromResource(options).iterate();
    for (let i = 0; i < 50; i++) {
      await it.next();
      await flushMacrotask();
      expect(released.settled).toBe(false);
    }
    expect((await it.next()).done).toBe(true);
    expect(released.settled).toBe(true);
  });

  it('never holds more than size items beyond what the consumer took', async () => {
    const source = trackedSource(Array.from({ length: 20 }, (_, i) => i));
    const it = from(source).pipe(buffer(2)).iterate();
    let consumed = 0;
    let maxAhead = 0;
    for (;;) {
      await flushMacrotask();
      maxAhead = Math.max(maxAhead, source.stats.produced - consumed);
      const r = await it.next();
      if (r.done) break;
      consumed++;
    }
    expect(consumed).toBe(20);
    expect(maxAhead).toBe(2);
  });

  it('delivers the items buffered before an upstream error, then the error unchanged', async () => {
    const error = new Error('cursor broke');
    const source = trackedSource({ items: [1, 2, 3, 4], throwAt: { index: 3, error } });
    const it = from(source).pipe(buffer(8)).iterate();
    expect((await it.next()).value).toBe(1);
    await flushMacrotask();
    expect(source.stats.closes).toBe(1);
    expect((await it.next()).value).toBe(2);
    expect((await it.next()).value).toBe(3);
    await expect(it.next()).rejects.toBe(error);
  });

  it('drops what it buffered and rejects with signal.reason at once when aborted', async () => {
    const controller = new AbortController();
    const leaks = leakCheck({ watch: [controller.signal] });
    const source = trackedSource([1, 2, 3, 4, 5]);
    const it = from(source).pipe(buffer(4)).iterate({ signal: controller.signal });
    await it.next();
    await flushMacrotask();
    const reason = new Error('client left');
    controller.abort(reason);
    await expect(it.next()).rejects.toBe(reason);
    expect(source.stats.closes).toBe(1);
    expect(await leaks.finish()).toEqual(NO_LEAKS);
  });

  it('returns upstream once when the consumer breaks while a read-ahead pull is in flight', async () => {
    const source = trackedSource({ items: [1, 2, 3], hangAt: 2 });
    const it = buffer<number>(4)(source, { signal: new AbortController().signal })[Symbol.asyncIterator]();
    expect((await it.next()).value).toBe(1);
    await source.hanging.promise;
    await it.return?.();
    expect(source.stats.returns).toBe(1);
    expect(source.stats.closes).toBe(1);
  });

  it('validates its size when called', () => {
    expect(() => buffer(0)).toThrow(
      expect.objectContaining({ name: 'RangeError', code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE' }),
    );
    expect(() => buffer('8' as never)).toThrow(expect.objectContaining({ name: 'TypeError' }));
  });
});
