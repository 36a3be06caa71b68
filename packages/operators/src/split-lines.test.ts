import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { from } from '@sluice/core';
import { defineBatchStage } from '@sluice/core/kit';
import { conformance } from '@sluice/core/testing';
import { growthOf, longLine } from './internal/linear-time.js';
import { cut, cuts, tricky } from './test-support/text-arbitraries.js';
import { LineTooLongError, splitLines } from './split-lines.js';

function reference(text: string, skipEmpty = false): string[] {
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return skipEmpty ? lines.filter((line) => line !== '') : lines;
}

/** A batch stage that records the size of every batch it sees. */
function batchSizes(sizes: number[]) {
  return defineBatchStage<string, string>('probe', async function* probe(batches) {
    for await (const batch of batches) {
      sizes.push(batch.length);
      yield batch;
    }
  });
}

async function failureOf(run: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await run;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('expected the run to fail');
}

describe('splitLines', () => {
  for (const c of conformance('splitLines()', () => splitLines(), { input: ['a\nb\n', 'c\n', 'd\ne\n'] })) {
    it(c.name, c.run);
  }

  it('joins a \\r\\n split across chunks and keeps a lone \\r', async () => {
    expect(await from(['a\r', '\nb\rc\n', '\r', '\n']).pipe(splitLines()).toArray()).toEqual(['a', 'b\rc', '']);
  });

  it('emits the last line without a trailing newline, and no empty line after a final newline', async () => {
    expect(await from(['x\ny']).pipe(splitLines()).toArray()).toEqual(['x', 'y']);
    expect(await from(['x\ny\n']).pipe(splitLines()).toArray()).toEqual(['x', 'y']);
  });

  it('keeps empty lines by default and drops them with skipEmpty', async () => {
    const input = ['\na\n\n', '\r\nb\n'];
    expect(await from(input).pipe(splitLines()).toArray()).toEqual(['', 'a', '', '', 'b']);
    expect(
      await from(input)
        .pipe(splitLines({ skipEmpty: true }))
        .toArray(),
    ).toEqual(['a', 'b']);
  });

  it('keeps a multi-byte character whole when its bytes are split across chunks', async () => {
    const bytes = Buffer.from('é€😀\nß');
    for (let at = 1; at < bytes.length; at++) {
      const lines = await from([bytes.subarray(0, at), bytes.subarray(at)])
        .pipe(splitLines())
        .toArray();
      expect(lines).toEqual(['é€😀', 'ß']);
    }
  });

  it('accepts strings and bytes in one input', async () => {
    const input = [Buffer.from('a'), 'b\n', new Uint8Array([0xe2, 0x82]), new Uint8Array([0xac, 0x0a]), 'c'];
    expect(await from(input).pipe(splitLines()).toArray()).toEqual(['ab', '€', 'c']);
  });

  it('drops a byte order mark at the start of byte input but not of string input', async () => {
    expect(
      await from([Buffer.from('\uFEFFa\n')])
        .pipe(splitLines())
        .toArray(),
    ).toEqual(['a']);
    expect(await from(['\uFEFFa\n']).pipe(splitLines()).toArray()).toEqual(['\uFEFFa']);
  });

  it('turns invalid and incomplete UTF-8 into U+FFFD', async () => {
    expect(
      await from([new Uint8Array([0x61, 0xff, 0x0a, 0xe2, 0x82])])
        .pipe(splitLines())
        .toArray(),
    ).toEqual(['a\uFFFD', '\uFFFD']);
  });

  it('emits one output batch of lines per input batch inside sluice', async () => {
    const sizes: number[] = [];
    await from(['a\nb', '\nc\n', 'd\n', 'e'], { batchSize: 2 }).pipe(splitLines(), batchSizes(sizes)).run();
    expect(sizes).toEqual([3, 1, 1]);
  });

  describe('maxLineLength', () => {
    it('accepts a line of exactly maxLineLength, with or without \\r\\n split across chunks', async () => {
      const lines = await from(['abc\r', '\nabc', '\r', '\n'])
        .pipe(splitLines({ maxLineLength: 3 }))
        .toArray();
      expect(lines).toEqual(['abc', 'abc']);
    });

    it('fails with a coded LineTooLongError naming the line, after delivering the lines before it', async () => {
      const seen: string[] = [];
      const error = await failureOf(
        (async () => {
          for await (const line of from(['ok\n\n', 'toolong\nnext\n']).pipe(splitLines({ maxLineLength: 4 }))) {
            seen.push(line);
          }
        })(),
      );
      expect(error).toBeInstanceOf(LineTooLongError);
      expect(error).toMatchObject({
        name: 'LineTooLongError',
        code: 'ERR_SLUICE_LINE_TOO_LONG',
        line: 3,
        maxLineLength: 4,
      });
      expect(error.message).toContain('line 3');
      expect(seen).toEqual(['ok', '']);
    });

    it('fails on an endless line without reading it to its end', async () => {
      let pulled = 0;
      async function* endless() {
        for (;;) {
          pulled++;
          yield 'x'.repeat(100);
        }
      }
      const error = await failureOf(
        from(endless, { batchSize: 1 })
          .pipe(splitLines({ maxLineLength: 1000 }))
          .toArray(),
      );
      expect(error).toMatchObject({ code: 'ERR_SLUICE_LINE_TOO_LONG', line: 1 });
      // One item per pull: the line failed at its 11th chunk, and nothing was read past it.
      expect(pulled).toBe(11);
      // A batch pull takes what the generator hands over before the loop turns, up to batchBytes
      // (64 KiB: 656 chunks of 100 bytes), and the line fails inside that one batch.
      pulled = 0;
      const batched = await failureOf(
        from(endless)
          .pipe(splitLines({ maxLineLength: 1000 }))
          .toArray(),
      );
      expect(batched).toMatchObject({ code: 'ERR_SLUICE_LINE_TOO_LONG', line: 1 });
      expect(pulled).toBe(656);
    });

    it('checks the last line too', async () => {
      const error = await failureOf(
        from(['a\n', 'bcde'])
          .pipe(splitLines({ maxLineLength: 3 }))
          .toArray(),
      );
      expect(error).toMatchObject({ code: 'ERR_SLUICE_LINE_TOO_LONG', line: 2 });
    });

    it('defaults to 1 MiB', async () => {
      const fits = 'x'.repeat(1024 * 1024);
      expect(await from([fits, '\n']).pipe(splitLines()).toArray()).toEqual([fits]);
      await expect(from([fits, 'x']).pipe(splitLines()).toArray()).rejects.toMatchObject({ name: 'LineTooLongError' });
    });
  });

  describe('time', () => {
    const N = 2048; // chunks of 100 characters: 200 KiB against 800 KiB
    // Retried because a shared machine can stall any one measurement; a quadratic splitter
    // measures 20–36 every time.
    const timing = { retry: 2, timeout: 60_000 };
    const split = (chunks: (string | Uint8Array)[]) => from(chunks).pipe(splitLines()).toArray();

    it('grows linearly with the number of chunks of one long string line', timing, async () => {
      expect(await growthOf(longLine, split, N)).toBeLessThan(8);
    });

    it('grows linearly with the number of chunks of one long line of bytes', timing, async () => {
      const bytes = (n: number) => longLine(n).map((chunk) => new Uint8Array(Buffer.from(chunk)));
      expect(await growthOf(bytes, split, N)).toBeLessThan(8);
    });
  });

  it('fails with a coded TypeError on a chunk that is neither string nor bytes', async () => {
    await expect(
      from([42] as unknown as string[])
        .pipe(splitLines())
        .toArray(),
    ).rejects.toMatchObject({
      name: 'TypeError',
      code: 'ERR_SLUICE_INVALID_ARGUMENT',
      message: expect.stringContaining('got number'),
    });
  });

  it('validates its options when called', () => {
    expect(() => splitLines({ maxLineLength: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE' }),
    );
    expect(() => splitLines({ skipEmpty: 'yes' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }),
    );
    expect(() => splitLines({ maxLen: 3 } as never)).toThrow(
      expect.objectContaining({ message: expect.stringContaining('maxLen') }),
    );
    expect(() => splitLines(null as never)).toThrow(expect.objectContaining({ name: 'TypeError' }));
  });

  describe('properties', () => {
    it('splits strings like String.prototype.split however they are chunked', async () => {
      await fc.assert(
        fc.asyncProperty(
          tricky(),
          cuts(),
          fc.integer({ min: 1, max: 4 }),
          fc.boolean(),
          async (text, at, batchSize, skipEmpty) => {
            const lines = await from(cut(text, at), { batchSize }).pipe(splitLines({ skipEmpty })).toArray();
            expect(lines).toEqual(reference(text, skipEmpty));
          },
        ),
      );
    });

    it('splits lines many chunks long, failing exactly on the first line past maxLineLength', async () => {
      const line = fc.string({ unit: fc.constantFrom('a', 'é', '€', '😀', '\r'), maxLength: 150 });
      const document = fc.tuple(fc.array(line, { maxLength: 5 }), fc.constantFrom('\n', '\r\n'), fc.boolean());
      const size = fc.integer({ min: 1, max: 9 });
      await fc.assert(
        fc.asyncProperty(
          document,
          size,
          fc.integer({ min: 1, max: 200 }),
          fc.boolean(),
          async ([lines, eol, final], at, max, asBytes) => {
            const text = lines.join(eol) + (final ? eol : '');
            const expected = reference(text);
            const tooLong = expected.findIndex((l) => l.length > max);
            const whole = asBytes ? new Uint8Array(Buffer.from(text)) : text;
            const chunks = cut<string | Uint8Array>(
              whole,
              Array.from({ length: Math.ceil(whole.length / at) }, (_, i) => i * at),
            );
            const seen: string[] = [];
            const run = (async () => {
              for await (const l of from(chunks).pipe(splitLines({ maxLineLength: max }))) seen.push(l);
            })();
            if (tooLong === -1) {
              await run;
              expect(seen).toEqual(expected);
            } else {
              expect(await failureOf(run)).toMatchObject({ code: 'ERR_SLUICE_LINE_TOO_LONG', line: tooLong + 1 });
              expect(seen).toEqual(expected.slice(0, tooLong));
            }
          },
        ),
      );
    });

    it('splits UTF-8 bytes cut anywhere, inside characters and inside \\r\\n', async () => {
      await fc.assert(
        fc.asyncProperty(tricky(), cuts(12), fc.integer({ min: 1, max: 4 }), async (text, at, batchSize) => {
          const chunks = cut(new Uint8Array(Buffer.from(text)), at);
          expect(await from(chunks, { batchSize }).pipe(splitLines()).toArray()).toEqual(reference(text));
        }),
      );
    });
  });
});
