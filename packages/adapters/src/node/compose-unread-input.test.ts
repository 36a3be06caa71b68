import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { trackedSource } from '@sluice/core/testing';
import { map, take } from '@sluice/operators';
import { compose } from './compose.js';
import { closeOf, collector } from '../test-support/node-streams.js';

// Issue 7, item 6. Node's own compose() hangs stream.pipeline() in every case below on 20, 22,
// 24 and 26 (the writes into a generator that stopped reading are never called back). Ours
// discards the input the chain will never read, so the writer finishes and the pipeline completes.
describe('compose: input the chain never reads', () => {
  it('lets stream.pipeline() complete around compose(take(0)), reading the whole upstream once', async () => {
    const source = trackedSource([1, 2, 3]);
    const { items, sink } = collector<number>();
    await pipeline(Readable.from(source), compose(take(0)), sink);
    expect(items).toEqual([]);
    expect(source.stats.closes).toBe(1);
  });

  it('lets stream.pipeline() complete around a stage that ignores its input', async () => {
    const ignoring = async function* ignoring() {
      yield 'only';
    };
    const { items, sink } = collector<string>();
    await pipeline(
      Readable.from([1, 2, 3]),
      compose(
        ignoring,
        map((s: string) => s.toUpperCase()),
      ),
      sink,
    );
    expect(items).toEqual(['ONLY']);
  });

  it('finishes its writable side when the chain ends before the writer calls end()', async () => {
    const d = compose(take(1));
    const finished = new Promise<void>((resolve) => d.once('finish', () => resolve()));
    const out: unknown[] = [];
    d.on('data', (n) => out.push(n));
    for (let i = 0; i < 40; i++) d.write(i); // more than the writable buffer holds
    d.end();
    await finished;
    await closeOf(d);
    expect(out).toEqual([0]);
  });

  it('discards unread input behind a PassThrough too (synchronous twin: an array upstream)', async () => {
    const { items, sink } = collector<number>();
    await pipeline(
      Readable.from(Array.from({ length: 100 }, (_, i) => i)),
      compose(take(0)),
      new PassThrough({ objectMode: true }),
      sink,
    );
    expect(items).toEqual([]);
  });
});
