import { PassThrough, Transform } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { from } from '@sluice/core';
import { conformance, trackedSource } from '@sluice/core/testing';
import { take } from '@sluice/operators';
import { streamStage } from './stream-stage.js';

const passThrough = () => new PassThrough({ objectMode: true, highWaterMark: 1 });

describe('streamStage', () => {
  // The feed writes while the stream's buffers have room: that is the stage's read-ahead (with
  // one-item buffers, one item beyond the one on its way to the consumer).
  for (const c of conformance('streamStage(PassThrough)', () => streamStage(passThrough()), {
    input: [1, 2, 3],
    maxPulledForFirst: 2,
  })) {
    it(c.name, c.run);
  }

  it('destroys the stream and returns its input once when the consumer stops early', async () => {
    const source = trackedSource([1, 2, 3, 4, 5, 6, 7, 8]);
    const stream = passThrough();
    expect(await from(source).pipe(streamStage(stream), take(2)).toArray()).toEqual([1, 2]);
    expect(stream.destroyed).toBe(true);
    expect(source.stats.closes).toBe(1);
  });

  it("fails with the stream's own error, unchanged", async () => {
    const failure = new Error('transform failed');
    const failing = new Transform({
      objectMode: true,
      transform(_chunk, _enc, cb) {
        cb(failure);
      },
    });
    const source = trackedSource([1, 2, 3]);
    await expect(from(source).pipe(streamStage(failing)).toArray()).rejects.toBe(failure);
    expect(source.stats.closes).toBe(1);
  });

  it("hands an upstream stage's error to the stream and fails with it, unchanged", async () => {
    const failure = new Error('upstream failed');
    const failing = async function* failing(source: AsyncIterable<number>) {
      for await (const n of source) {
        if (n === 2) throw failure;
        yield n;
      }
    };
    const stream = passThrough();
    await expect(from([1, 2, 3]).pipe(failing, streamStage(stream)).toArray()).rejects.toBe(failure);
    expect(stream.destroyed).toBe(true);
  });
});
