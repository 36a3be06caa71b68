import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeQuoter } from './csv-cell.js';
import { CsvText } from './csv-text.js';

function written(write: (text: CsvText) => void, delimiter = ','): string {
  const text = new CsvText(delimiter, makeQuoter(delimiter), 16);
  write(text);
  return text.take();
}

describe('CsvText', () => {
  it('writes every number as String() does', () => {
    const numbers = fc.oneof(
      fc.double(),
      fc.integer(),
      fc.integer({ min: -1e9, max: 1e9 }).map((cents) => cents / 100),
      fc.integer({ min: -1e14, max: 1e14 }).map((cents) => cents / 100),
      fc.constantFrom(
        0,
        -0,
        0.005,
        0.015,
        1e-7,
        999_999_999_999.99,
        1e12,
        -1e12,
        0.1 + 0.2,
        Number.MAX_SAFE_INTEGER,
        NaN,
        -Infinity,
      ),
    );
    fc.assert(
      fc.property(numbers, (n) => {
        expect(written((text) => text.number(n))).toBe(String(n));
      }),
      { numRuns: 5000 },
    );
  });

  it('writes every valid Date as toISOString() does', () => {
    const dates = fc.oneof(
      fc.date({ noInvalidDate: true }),
      fc.integer({ min: Date.UTC(999, 0, 1), max: Date.UTC(10_000, 0, 2) }).map((t) => new Date(t)),
      fc
        .constantFrom(
          Date.UTC(1000, 0, 1),
          Date.UTC(1000, 0, 1) - 1,
          Date.UTC(9999, 11, 31, 23, 59, 59, 999),
          Date.UTC(2000, 1, 29),
          0,
          -1,
        )
        .map((t) => new Date(t)),
    );
    fc.assert(
      fc.property(dates, (d) => {
        expect(written((text) => text.iso(d))).toBe(d.toISOString());
      }),
      { numRuns: 5000 },
    );
  });

  it('quotes and keeps every string exactly as the string quoter does, wide characters and lone surrogates included', () => {
    const cells = fc.array(
      fc.oneof(
        fc.string(),
        fc.string({ unit: 'binary' }),
        fc.constantFrom('a,b', '"q"', 'x\r\ny', '\uFEFFbom', 'Zoë', '\uD800', '日本,語'),
      ),
      { maxLength: 8 },
    );
    for (const delimiter of [',', ';', '\t', '§', '日']) {
      const quote = makeQuoter(delimiter);
      fc.assert(
        fc.property(cells, (row) => {
          const expected = `${row.map(quote).join(delimiter)}\n`;
          expect(
            written((text) => {
              row.forEach((cell, i) => {
                if (i > 0) text.raw(delimiter);
                text.cell(cell);
              });
              text.raw('\n');
            }, delimiter),
          ).toBe(expected);
        }),
        { numRuns: 500 },
      );
    }
  });

  it('counts the characters it holds and lets its buffer go when taken', () => {
    const text = new CsvText(',', makeQuoter(','), 16);
    text.cell('abc');
    text.cell('日本');
    text.raw('de');
    expect(text.length).toBe(7);
    expect(text.take()).toBe('abc日本de');
    expect(text.length).toBe(0);
    expect(text.take()).toBe('');
  });
});
