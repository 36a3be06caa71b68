import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { from } from '@sluice/core';
import { conformance } from '@sluice/core/testing';
import { growthOf, longLine } from './internal/linear-time.js';
import { cut, cuts } from './test-support/text-arbitraries.js';
import { LineTooLongError, NdjsonParseError, parseNdjson, type ParseNdjsonStats } from './parse-ndjson.js';

const newStats = (): ParseNdjsonStats => ({ lines: 0, values: 0, skipped: 0 });

describe('parseNdjson', () => {
  for (const c of conformance('parseNdjson()', () => parseNdjson(), { input: ['{"a":1}\n', '[2]\n', '"x"\n3\n'] })) {
    it(c.name, c.run);
  }

  it('parses values split across chunks, from strings and from bytes cut inside characters', async () => {
    const text = '{"name":"Zoë €"}\r\n[1,';
    const bytes = Buffer.from('{"name":"Zoë €"}\r\n[1,2]\n');
    for (let at = 1; at < bytes.length; at++) {
      const values = await from([bytes.subarray(0, at), bytes.subarray(at)])
        .pipe(parseNdjson())
        .toArray();
      expect(values).toEqual([{ name: 'Zoë €' }, [1, 2]]);
    }
    expect(
      await from([text.slice(0, 5), text.slice(5), '2]'])
        .pipe(parseNdjson())
        .toArray(),
    ).toEqual([{ name: 'Zoë €' }, [1, 2]]);
  });

  it('ignores blank and whitespace-only lines', async () => {
    expect(await from(['\n  \n1\n\t\r\n\n2']).pipe(parseNdjson()).toArray()).toEqual([1, 2]);
  });

  it('fails on a bad line with a coded NdjsonParseError naming the line, after the values before it', async () => {
    const seen: unknown[] = [];
    let caught: unknown;
    try {
      for await (const value of from(['1\n\n2\n', '{bad\n3\n']).pipe(parseNdjson())) seen.push(value);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NdjsonParseError);
    expect(caught).toMatchObject({ name: 'NdjsonParseError', code: 'ERR_SLUICE_NDJSON_PARSE', line: 4 });
    expect((caught as Error).message).toContain('line 4');
    expect((caught as Error).cause).toBeInstanceOf(SyntaxError);
    expect(seen).toEqual([1, 2]);
  });

  it('skips bad lines with onError: skip, counting them and calling onSkip with their line numbers', async () => {
    const stats = newStats();
    const skipped: NdjsonParseError[] = [];
    const values = await from(['1\nnope\n', '\n{"a":\n2'])
      .pipe(parseNdjson({ onError: 'skip', onSkip: (error) => skipped.push(error), stats }))
      .toArray();
    expect(values).toEqual([1, 2]);
    expect(skipped.map((e) => [e.line, e.code])).toEqual([
      [2, 'ERR_SLUICE_NDJSON_PARSE'],
      [4, 'ERR_SLUICE_NDJSON_PARSE'],
    ]);
    expect(stats).toEqual({ lines: 5, values: 2, skipped: 2 });
  });

  it('fails the run with the error onSkip throws, unchanged', async () => {
    const boom = new Error('too many bad lines');
    const stage = parseNdjson({
      onError: 'skip',
      onSkip: () => {
        throw boom;
      },
    });
    await expect(from(['1\nx\n2\n']).pipe(stage).toArray()).rejects.toBe(boom);
  });

  it('adds to the stats object across runs of the same stage', async () => {
    const stats = newStats();
    const stage = parseNdjson({ onError: 'skip', stats });
    await from(['1\n?\n']).pipe(stage).run();
    await from(['2\n']).pipe(stage).run();
    expect(stats).toEqual({ lines: 3, values: 2, skipped: 1 });
  });

  it('applies the reviver', async () => {
    const reviver = (key: string, value: unknown) => (key === 'at' ? new Date(value as string) : value);
    const [row] = await from(['{"at":"2024-01-02T00:00:00.000Z"}\n'])
      .pipe(parseNdjson<{ at: Date }>({ reviver }))
      .toArray();
    expect(row?.at).toEqual(new Date('2024-01-02T00:00:00.000Z'));
  });

  it('fails on a line past maxLineLength even with onError: skip', async () => {
    const run = from(['1\n', '[1,2,3,4]\n'])
      .pipe(parseNdjson({ onError: 'skip', maxLineLength: 5 }))
      .toArray();
    await expect(run).rejects.toBeInstanceOf(LineTooLongError);
    await expect(run).rejects.toMatchObject({ code: 'ERR_SLUICE_LINE_TOO_LONG', line: 2 });
  });

  // Retried because a shared machine can stall any one measurement; a quadratic splitter measures
  // about 20 every time.
  it('grows linearly with the number of chunks of one long value', { retry: 2, timeout: 60_000 }, async () => {
    // One JSON string of n × 100 characters: 200 KiB against 800 KiB.
    const value = (n: number) => ['"', ...longLine(n).slice(0, -1), '"\n'];
    const parse = (chunks: string[]) => from(chunks).pipe(parseNdjson()).toArray();
    expect(await growthOf(value, parse, 2048)).toBeLessThan(8);
  });

  it('fails with a coded TypeError on a chunk that is neither string nor bytes', async () => {
    await expect(
      from([{}] as never[])
        .pipe(parseNdjson())
        .toArray(),
    ).rejects.toMatchObject({ code: 'ERR_SLUICE_INVALID_ARGUMENT' });
  });

  it('validates its options when called', () => {
    const code = (code: string) => expect.objectContaining({ code });
    expect(() => parseNdjson({ onError: 'ignore' as never })).toThrow(code('ERR_SLUICE_INVALID_OPTION'));
    expect(() => parseNdjson({ onError: Object.create(null) })).toThrow(
      expect.objectContaining({ message: expect.stringContaining('onError') }),
    );
    expect(() => parseNdjson({ onError: null as never })).toThrow(code('ERR_SLUICE_INVALID_OPTION'));
    expect(() => parseNdjson({ onError: 'skip', onSkip: 1 as never })).toThrow(code('ERR_SLUICE_INVALID_ARGUMENT'));
    expect(() => parseNdjson({ onSkip: () => undefined })).toThrow(
      expect.objectContaining({ message: expect.stringContaining("onError: 'skip'") }),
    );
    expect(() => parseNdjson({ stats: { lines: 0 } as never })).toThrow(
      expect.objectContaining({ message: expect.stringContaining('stats.values') }),
    );
    expect(() => parseNdjson({ stats: null as never })).toThrow(code('ERR_SLUICE_INVALID_OPTION'));
    expect(() => parseNdjson({ reviver: 'x' as never })).toThrow(code('ERR_SLUICE_INVALID_ARGUMENT'));
    expect(() => parseNdjson({ maxLineLength: -1 })).toThrow(code('ERR_SLUICE_OPTION_OUT_OF_RANGE'));
    expect(() => parseNdjson({ onerror: 'skip' } as never)).toThrow(code('ERR_SLUICE_INVALID_OPTION'));
  });

  describe('properties', () => {
    const json = fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v));
    const line = fc.oneof({ weight: 4, arbitrary: json }, fc.constantFrom('', '  ', '{', 'nul', '[1,]'));
    const document = fc.tuple(fc.array(line, { maxLength: 12 }), fc.constantFrom('\n', '\r\n'), fc.boolean());

    it('matches JSON.parse per line however strings or bytes are chunked (onError: skip)', async () => {
      await fc.assert(
        fc.asyncProperty(document, cuts(10), fc.boolean(), async ([lines, eol, finalEol], at, asBytes) => {
          const text = lines.join(eol) + (finalEol ? eol : '');
          const expected: unknown[] = [];
          let bad = 0;
          for (const l of lines) {
            if (l.trim() === '') continue;
            try {
              expected.push(JSON.parse(l));
            } catch {
              bad++;
            }
          }
          const stats = newStats();
          const chunks = asBytes ? cut(new Uint8Array(Buffer.from(text)), at) : cut(text, at);
          const values = await from<string | Uint8Array>(chunks)
            .pipe(parseNdjson({ onError: 'skip', stats }))
            .toArray();
          expect(values).toEqual(expected);
          expect(stats.skipped).toBe(bad);
        }),
      );
    });
  });
});

describe('found in review: parseNdjson', () => {
  it('regression: drops a byte order mark at the start of string input instead of failing line 1', async () => {
    // fs.createReadStream(path, { encoding: 'utf8' }) and res.setEncoding('utf8') keep the BOM.
    // parseCsv strips it from strings; parseNdjson fails with NdjsonParseError on line 1.
    const values = await from(['\uFEFF{"id":1}\n{"id":2}\n']).pipe(parseNdjson()).toArray();
    expect(values).toEqual([{ id: 1 }, { id: 2 }]);
  });
});
