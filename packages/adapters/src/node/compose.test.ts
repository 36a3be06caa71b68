import { once } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { chain } from '@sluice/core';
import { abortListenerCount, liveAbortListenersAfter, trackedSource } from '@sluice/core/testing';
import { map, take } from '@sluice/operators';
import { compose } from './compose.js';
import { closeOf, collector, probe, readItems } from '../test-support/node-streams.js';

describe('compose', () => {
  it('runs every stage to its end and emits close when the input ends', async () => {
    const log: string[] = [];
    const d = compose(
      probe('a', log),
      map((n: number) => n + 1),
      probe('b', log),
    );
    const closed = closeOf(d);
    for (const n of [1, 2, 3]) d.write(n);
    d.end();
    const got: number[] = [];
    for await (const n of d) got.push(n as number);
    await closed;
    expect(got).toEqual([2, 3, 4]);
    expect(log.sort()).toEqual(['a', 'b']);
  });

  it('accepts chain() stages and closes the upstream of stream.pipeline() exactly once', async () => {
    const source = trackedSource([1, 2, 3, 4]);
    const { items, sink } = collector<string>();
    const exporter = chain<number>().pipe(
      map((n: number) => n * 10),
      map((n: number) => `#${n}`),
    );
    await pipeline(Readable.from(source), compose(exporter), sink);
    expect(items).toEqual(['#10', '#20', '#30', '#40']);
    expect(source.stats.closes).toBe(1);
  });

  it('works on byte streams when objectMode is false', async () => {
    const upper = async function* upper(source: AsyncIterable<Buffer>) {
      for await (const chunk of source) yield Buffer.from(chunk.toString('latin1').toUpperCase(), 'latin1');
    };
    const { items, sink } = collector<Buffer>(false);
    await pipeline(Readable.from([Buffer.from('ab'), Buffer.from('cd')]), compose(upper, { objectMode: false }), sink);
    expect(Buffer.concat(items).toString()).toBe('ABCD');
  });

  it('ends cleanly after the items of a take-like last stage and finalizes the stages upstream of it', async () => {
    const log: string[] = [];
    const errors: unknown[] = [];
    const d = compose(probe('a', log), take(2));
    d.on('error', (e) => errors.push(e));
    const closed = closeOf(d);
    for (const n of [1, 2, 3, 4, 5]) d.write(n);
    d.end();
    const got: unknown[] = [];
    for await (const n of d) got.push(n);
    await closed;
    expect(got).toEqual([1, 2]);
    expect(log).toEqual(['a']);
    expect(errors).toEqual([]);
  });

  it('lets stream.pipeline() complete when the chain stops early, discarding the rest of the input', async () => {
    const source = trackedSource([1, 2, 3, 4, 5, 6]);
    const { items, sink } = collector<number>();
    await pipeline(Readable.from(source), compose(take(2)), sink);
    expect(items).toEqual([1, 2]);
    expect(source.stats.closes).toBe(1);
  });

  it('keeps read-ahead within the high-water marks while nobody reads', async () => {
    let entered = 0;
    const counted = async function* counted(source: AsyncIterable<number>) {
      for await (const n of source) {
        entered++;
        yield n;
      }
    };
    const d = compose(counted, { highWaterMark: 2 });
    let accepted = 0;
    for (let i = 0; i < 100 && d.write(i); i++) accepted++;
    expect(accepted).toBe(1); // write() returned false at the second write: writable buffer full
    expect(await readItems(d, 1)).toEqual([0]);
    await new Promise((resolve) => setImmediate(resolve));
    // Read one item, then stop: readable buffer (2) + the item read = what the chain may have taken.
    expect(entered).toBeLessThanOrEqual(3);
    expect(d.readableLength).toBeLessThanOrEqual(2);
    expect(d.writableLength).toBeLessThanOrEqual(2);
    d.destroy();
    await closeOf(d);
  });

  it('emits drain to a writer that respects backpressure, and delivers every item in order', async () => {
    const d = compose(
      map((n: number) => n * 2),
      { highWaterMark: 1 },
    );
    let drains = 0;
    d.on('drain', () => drains++);
    const writer = (async () => {
      for (let i = 0; i < 20; i++) if (!d.write(i)) await once(d, 'drain');
      d.end();
    })();
    const got: number[] = [];
    for await (const n of d) got.push(n as number);
    await writer;
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    expect(drains).toBeGreaterThan(0);
  });

  it('can be followed by a PassThrough and still end cleanly', async () => {
    const { items, sink } = collector<number>();
    await pipeline(
      Readable.from([1, 2, 3]),
      compose(map((n: number) => n - 1)),
      new PassThrough({ objectMode: true }),
      sink,
    );
    expect(items).toEqual([0, 1, 2]);
  });

  it('throws coded errors at call time for a part of the wrong type or an unknown option', () => {
    expect(() => compose(42 as never)).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_STAGE' }));
    expect(() =>
      compose(
        map((n: number) => n),
        'x' as never,
        map((n: number) => n),
      ),
    ).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_STAGE' }));
    expect(() =>
      compose(
        map((n: number) => n),
        { hwm: 1 } as never,
      ),
    ).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }));
    expect(() =>
      compose(
        map((n: number) => n),
        { highWaterMark: -1 },
      ),
    ).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE' }));
  });
});

describe('compose and its signal', () => {
  it('unlinks from its signal once the duplex finished, and leaves no listener from the waits for input', async () => {
    const controller = new AbortController();
    const live = await liveAbortListenersAfter(async () => {
      const double = compose(
        map((n: number) => n * 2),
        { signal: controller.signal },
      );
      const out = collector<number>();
      await pipeline(Readable.from([1, 2, 3]), double, out.sink);
      expect(out.items).toEqual([2, 4, 6]);
    });
    expect(live).toBe(0);
    expect(abortListenerCount(controller.signal)).toBe(0);
  });
});
