import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { fromFile, toFile } from './fs/index.js';
import { waitForDrain } from './node/index.js';

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

const coded = (code: string, argument: string) => expect.objectContaining({ code, message: expect.stringContaining(argument) });

describe('call-time errors of the node and fs adapters', () => {
  describe.each(WEIRD)('given %s', (_, value) => {
    it('waitForDrain throws a coded TypeError at once when it is the writable or the flush', () => {
      expect(() => waitForDrain(value as never)).toThrow(coded('ERR_SLUICE_INVALID_ARGUMENT', 'waitForDrain(writable)'));
      expect(() => waitForDrain(new PassThrough(), undefined, value as never)).toThrow(coded('ERR_SLUICE_INVALID_ARGUMENT', 'waitForDrain(…, flushed)'));
    });

    it('fromFile and toFile throw a coded TypeError when it is the path or the encoding', () => {
      expect(() => fromFile(value as never)).toThrow(coded('ERR_SLUICE_INVALID_ARGUMENT', 'fromFile(path)'));
      expect(() => toFile(value as never)).toThrow(coded('ERR_SLUICE_INVALID_ARGUMENT', 'toFile(path)'));
      expect(() => fromFile('x', { encoding: value as never })).toThrow(coded('ERR_SLUICE_INVALID_OPTION', 'fromFile(path, options).encoding'));
      expect(() => toFile('x', { encoding: value as never })).toThrow(coded('ERR_SLUICE_INVALID_OPTION', 'toFile(path, options).encoding'));
    });
  });

  // Signals go through core's validateSignal, whose check reads a revoked Proxy's properties and
  // throws (reported with issue 7 to the owner of packages/core).
  describe.each(WEIRD.filter(([, value]) => value !== revoked.proxy))('given %s', (_, value) => {
    it('waitForDrain throws a coded TypeError at once when it is the signal', () => {
      expect(() => waitForDrain(new PassThrough(), value as never)).toThrow(coded('ERR_SLUICE_INVALID_OPTION', 'waitForDrain(writable, signal)'));
    });
  });

  it('says which encoding was unknown', () => {
    expect(() => fromFile('x', { encoding: 'klingon' as never })).toThrow(expect.objectContaining({ message: expect.stringContaining('"klingon"') }));
  });
});
