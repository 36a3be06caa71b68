import { describe, expect, it } from 'vitest';
import { from, type Stage } from '@sluice/core';
import { conformance, trackedSource } from '@sluice/core/testing';
import { take } from '@sluice/operators';
import { fromReadableStream } from './from-readable-stream.js';
import { toReadableStream } from './to-readable-stream.js';
import { toTransformStream } from './to-transform-stream.js';

async function* double(source: AsyncIterable<number>) {
  for await (const n of source) yield n * 2;
}

/**
 * A stage that sends its input through Web streams and back: every adapter of this folder in one
 * loop. Like any stage that runs an inner pipeline on its signal, it treats the inner run's
 * rejection with that signal's reason as the end it asked for.
 */
function throughWeb<In, Out>(stage: Stage<In, Out>): Stage<In, Out> {
  return async function* throughWeb(source, { signal }) {
    const output = toReadableStream(from(source), { signal }).pipeThrough(toTransformStream(stage));
    try {
      yield* fromReadableStream(output).iterate({ signal });
    } catch (error) {
      if (!signal.aborted || error !== signal.reason) throw error;
    }
  };
}

describe('toTransformStream', () => {
  it('lets the stage flush after the writable side closes', async () => {
    const { writable, readable } = toTransformStream(async function* count(source: AsyncIterable<string>) {
      let n = 0;
      for await (const item of source) n += item.length;
      yield n;
    });
    const writer = writable.getWriter();
    const reading = fromReadableStream(readable).toArray();
    await writer.write('ab');
    await writer.write('cde');
    await writer.close();
    expect(await reading).toEqual([5]);
  });

  it('settles a write only once the stage took the chunk', async () => {
    const { writable, readable } = toTransformStream(double);
    const writer = writable.getWriter();
    let taken = false;
    const writing = writer.write(1).then(() => (taken = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(taken).toBe(false);
    const reader = readable.getReader();
    expect(await reader.read()).toEqual({ done: false, value: 2 });
    await writing;
    expect(taken).toBe(true);
    await reader.cancel();
  });

  it('errors the readable side with the reason when the writable side is aborted', async () => {
    const { writable, readable } = toTransformStream(double);
    const reader = readable.getReader();
    const reason = new Error('upstream failed');
    await writable.abort(reason);
    await expect(reader.read()).rejects.toBe(reason);
  });

  it('cancelling the readable side errors the writable side and cancels the upstream of a pipe', async () => {
    const source = trackedSource([1, 2, 3, 4, 5, 6]);
    const output = toReadableStream(from(source)).pipeThrough(toTransformStream(double));
    const reader = output.getReader();
    expect(await reader.read()).toEqual({ done: false, value: 2 });
    const reason = new Error('enough');
    await reader.cancel(reason);
    await source.closed.promise;
    expect(source.stats.closes).toBe(1);
    expect(source.stats.produced).toBeLessThanOrEqual(3);
  });

  it('errors both sides with the stage error, unchanged', async () => {
    const boom = new Error('boom');
    const { writable, readable } = toTransformStream(async function* failing(source: AsyncIterable<number>) {
      for await (const n of source) if (n === 2) throw boom;
      yield 0;
    });
    const writer = writable.getWriter();
    const reading = fromReadableStream(readable).toArray();
    await writer.write(1);
    const second = writer.write(2);
    await expect(reading).rejects.toBe(boom);
    await second.catch(() => undefined);
    await expect(writer.write(3)).rejects.toBe(boom);
  });

  it('releases upstream when the stage stops early', async () => {
    const source = trackedSource([1, 2, 3, 4, 5, 6, 7, 8]);
    const output = toReadableStream(from(source)).pipeThrough(toTransformStream(take<number>(2)));
    expect(await fromReadableStream(output).toArray()).toEqual([1, 2]);
    await source.closed.promise;
    expect(source.stats.closes).toBe(1);
    expect(source.stats.produced).toBeLessThanOrEqual(4);
  });

  it('validates its arguments with coded errors', () => {
    expect(() => toTransformStream('map' as never)).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_ARGUMENT' }),
    );
    expect(() => toTransformStream(double, { signal: 'no' } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }),
    );
  });

  describe('conformance of a stage sent through Web streams and back', () => {
    for (const c of conformance('throughWeb(double)', () => throughWeb(double), {
      input: [1, 2, 3],
      maxPulledForFirst: 2,
    })) {
      it(c.name, c.run);
    }
  });
});
