import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { from } from '@sluice/core';
import { conformance, trackedSource } from '@sluice/core/testing';
import { gzipBody } from './http-gzip.js';

describe('gzipBody', () => {
  for (const c of conformance('gzipBody', () => gzipBody(), { input: ['a', 'b', 'c'], emptyOutput: [gzipSync(Buffer.alloc(0))], maxPulledForFirst: 9 })) {
    it(c.name, c.run);
  }

  it('round-trips through gunzip whatever the chunking', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.string(), fc.uint8Array({ maxLength: 200_000 })), { maxLength: 20 }), async (chunks) => {
        const out = await from(chunks).pipe(gzipBody()).toArray();
        const expected = Buffer.concat(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : Buffer.from(c))));
        expect(gunzipSync(Buffer.concat(out))).toEqual(expected);
      }),
      { numRuns: 30 },
    );
  });

  it('emits output before the input ends once enough was gathered, and destroys zlib on early exit', async () => {
    const big = Buffer.alloc(256 * 1024, 1);
    const source = trackedSource([big, big, big, big]);
    const it = from(source).pipe(gzipBody())[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done).toBe(false);
    expect(source.stats.produced).toBeLessThan(4);
    await it.return?.();
    expect(source.stats.closes).toBe(1);
  });
});
