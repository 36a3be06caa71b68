import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { from } from '@sluice/core';
import { conformance } from '@sluice/core/testing';
import { bodyChunks } from './web-chunks.js';

function splitAt(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const parts: string[] = [];
  let last = 0;
  for (const p of points) {
    parts.push(text.slice(last, p));
    last = p;
  }
  parts.push(text.slice(last));
  return parts;
}

describe('bodyChunks', () => {
  for (const c of conformance('bodyChunks', () => bodyChunks('test'), { input: ['a', 'b', 'c'] })) it(c.name, c.run);

  it('encodes to the same UTF-8 bytes however the text was chunked, split surrogate pairs included', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme' }), fc.array(fc.nat(), { maxLength: 8 }), async (text, cuts) => {
        const parts = await from(splitAt(text, cuts)).pipe(bodyChunks('test', true)).toArray();
        expect(Buffer.concat(parts)).toEqual(Buffer.from(new TextEncoder().encode(text)));
      }),
    );
  });

  it('keeps strings as strings without encode, dropping empty chunks', async () => {
    const bytes = new Uint8Array([1, 2]);
    expect(
      await from(['a', '', bytes, new Uint8Array(0), 'b'])
        .pipe(bodyChunks('test'))
        .toArray(),
    ).toEqual(['a', bytes, 'b']);
  });

  it('fails with a coded TypeError naming the caller for an item that is not text or bytes', async () => {
    await expect(from(['a', 42]).pipe(bodyChunks('sendPipeline()')).toArray()).rejects.toMatchObject({
      code: 'ERR_SLUICE_INVALID_ARGUMENT',
      message: expect.stringContaining(
        'sendPipeline(): the pipeline must produce strings or Uint8Arrays, got number 42',
      ),
    });
  });
});
