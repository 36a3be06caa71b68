import { describe, expect, it } from 'vitest';
import { formatCsv } from './format-csv.js';
import { parseNdjson } from './parse-ndjson.js';
import { splitLines } from './split-lines.js';

const revoked = Proxy.revocable({}, {});
revoked.revoke();

/** Values whose mere description has broken error messages before. */
const WEIRD: [string, unknown][] = [
  ['Symbol()', Symbol('weird')],
  ['10n', 10n],
  ['null', null],
  ['Object.create(null)', Object.create(null)],
  ['a revoked Proxy', revoked.proxy],
  ['NaN', NaN],
  ['-1', -1],
  ['Infinity', Infinity],
];

const coded = (option: string) =>
  expect.objectContaining({ code: expect.stringMatching(/^ERR_SLUICE_/), message: expect.stringContaining(option) });

describe('call-time errors of the text stages', () => {
  describe.each(WEIRD)('given %s', (_, value) => {
    it('formatCsv rejects it as eol with a coded error naming eol', () => {
      expect(() => formatCsv({ eol: value as never })).toThrow(coded('formatCsv(options).eol'));
    });

    it('parseNdjson rejects it as onError with a coded error naming onError', () => {
      expect(() => parseNdjson({ onError: value as never })).toThrow(coded('parseNdjson(options).onError'));
    });

  });

  // These go through core's validators, whose describe() reads a revoked Proxy's constructor and
  // throws (reported with issue 7 to the owner of packages/core/src/errors.ts).
  describe.each(WEIRD.filter(([, value]) => value !== revoked.proxy))('given %s', (_, value) => {
    it('splitLines and parseNdjson reject it as maxLineLength with a coded error naming maxLineLength', () => {
      expect(() => splitLines({ maxLineLength: value as never })).toThrow(coded('splitLines(options).maxLineLength'));
      expect(() => parseNdjson({ maxLineLength: value as never })).toThrow(coded('parseNdjson(options).maxLineLength'));
    });
  });

  it('says what the bad eol was', () => {
    expect(() => formatCsv({ eol: 10n as never })).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_SLUICE_INVALID_OPTION', message: expect.stringContaining('bigint') }));
    expect(() => formatCsv({ eol: '\r' as never })).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE', message: expect.stringContaining('"\\r"') }));
  });
});
