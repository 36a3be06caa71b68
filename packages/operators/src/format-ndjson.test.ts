import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { from } from '@sluice/core';
import { conformance, trackedSource } from '@sluice/core/testing';
import { NdjsonFormatError, formatNdjson } from './format-ndjson.js';
import { parseNdjson } from './parse-ndjson.js';

async function failureOf(run: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await run;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('expected the run to fail');
}

describe('formatNdjson', () => {
  // Node's pipeline() feeds items one by one, so its chunks differ from sluice's batched ones:
  // the text is compared below instead of the chunk arrays.
  const input = [{ a: 1 }, [2], 'x', null];
  for (const c of conformance('formatNdjson()', () => formatNdjson(), { input, skipNodePipeline: true })) {
    it(c.name, c.run);
  }

  it("writes the same text as a plain stage inside Node's stream.pipeline()", async () => {
    let text = '';
    const sink = new Writable({
      objectMode: true,
      write(chunk: string, _encoding, callback) {
        text += chunk;
        callback();
      },
    });
    const source = trackedSource(input);
    await (pipeline as (...streams: unknown[]) => Promise<void>)(source, formatNdjson(), sink);
    expect(text).toBe('{"a":1}\n[2]\n"x"\nnull\n');
    expect(source.stats.closes).toBe(1);
  });

  it('writes one line per item outside sluice batching', async () => {
    const stage = formatNdjson();
    const out: string[] = [];
    async function* source() {
      yield { a: 1 };
      yield 'b';
    }
    for await (const chunk of stage(source(), { signal: new AbortController().signal })) out.push(chunk);
    expect(out).toEqual(['{"a":1}\n', '"b"\n']);
  });

  it('joins a batch into chunks that reach chunkSize and exceed it by less than one line', async () => {
    const items = Array.from({ length: 50 }, (_, i) => ({ i, pad: 'x'.repeat(i % 7) }));
    const chunks = await from(items, { batchSize: 50 })
      .pipe(formatNdjson({ chunkSize: 64 }))
      .toArray();
    const longest = Math.max(...items.map((item) => JSON.stringify(item).length + 1));
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks.slice(0, -1)) {
      expect(chunk.length).toBeGreaterThanOrEqual(64);
      expect(chunk.length).toBeLessThan(64 + longest);
    }
    expect(chunks.join('')).toBe(items.map((item) => `${JSON.stringify(item)}\n`).join(''));
  });

  it('coalesces into 64 KiB chunks by default', async () => {
    const items = Array.from({ length: 10_000 }, (_, i) => ({ id: i, name: `row ${i}` }));
    const chunks = await from(items, { batchSize: 10_000 }).pipe(formatNdjson()).toArray();
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks[0]!.length).toBeGreaterThanOrEqual(65_536);
    expect(chunks[0]!.length).toBeLessThan(65_536 + 40);
  });

  it.each([
    ['undefined', undefined, 'undefined has no JSON form'],
    ['a function', function toJsonless() {}, 'function toJsonless has no JSON form'],
    ['a symbol', Symbol('s'), 'symbol Symbol(s) has no JSON form'],
    ['a bigint', { n: 1n }, 'BigInt'],
    [
      'a circular structure',
      (() => {
        const o: Record<string, unknown> = {};
        o.self = o;
        return o;
      })(),
      'circular',
    ],
  ])('fails on %s with a coded NdjsonFormatError naming the item index', async (_what, bad, message) => {
    const seen: string[] = [];
    const error = await failureOf(
      (async () => {
        for await (const chunk of from([1, 2, bad, 4], { batchSize: 2 }).pipe(formatNdjson())) seen.push(chunk);
      })(),
    );
    expect(error).toBeInstanceOf(NdjsonFormatError);
    expect(error).toMatchObject({ name: 'NdjsonFormatError', code: 'ERR_SLUICE_NDJSON_FORMAT', index: 2 });
    expect(error.message).toContain('item 2');
    expect(error.message).toContain(message);
    expect(seen).toEqual(['1\n2\n']);
  });

  it('keeps the engine error as the cause and delivers the lines of the batch before the bad item', async () => {
    const error = await failureOf(from(['a', 1n, 'c']).pipe(formatNdjson()).toArray());
    expect(error.cause).toBeInstanceOf(TypeError);
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of from(['a', 1n, 'c']).pipe(formatNdjson())) seen.push(chunk);
      })(),
    ).rejects.toMatchObject({ index: 1 });
    expect(seen).toEqual(['"a"\n']);
  });

  it('passes the replacer to JSON.stringify', async () => {
    const replacer = (_key: string, value: unknown) => (typeof value === 'bigint' ? value.toString() : value);
    expect(
      await from([{ n: 12n }])
        .pipe(formatNdjson({ replacer }))
        .toArray(),
    ).toEqual(['{"n":"12"}\n']);
  });

  it('names the replacer when it turns an item into undefined', async () => {
    const error = await failureOf(
      from([{ a: 1 }])
        .pipe(formatNdjson({ replacer: () => undefined }))
        .toArray(),
    );
    expect(error.message).toContain('the replacer returned undefined');
  });

  it('validates its options when called', () => {
    expect(() => formatNdjson({ chunkSize: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE' }),
    );
    expect(() => formatNdjson({ chunkSize: '1' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }),
    );
    expect(() => formatNdjson({ replacer: [] as never })).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_ARGUMENT' }),
    );
    expect(() => formatNdjson({ space: 2 } as never)).toThrow(
      expect.objectContaining({ message: expect.stringContaining('space') }),
    );
  });

  it('round-trips through parseNdjson however the items are batched', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 20 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 40 }),
        async (values, batchSize, chunkSize) => {
          const text = await from(values, { batchSize }).pipe(formatNdjson({ chunkSize })).toArray();
          expect(text.join('')).toBe(values.map((v) => `${JSON.stringify(v)}\n`).join(''));
          expect(await from(text).pipe(parseNdjson()).toArray()).toEqual(
            values.map((v) => JSON.parse(JSON.stringify(v))),
          );
        },
      ),
    );
  });
});
