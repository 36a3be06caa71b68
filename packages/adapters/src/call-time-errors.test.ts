import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { formatCsv, parseCsv, parseNdjson, splitLines } from '@sluice/operators';
import { fromFile, toFile } from './fs/index.js';
import { requestSignal, sendPipeline } from './http/index.js';
import { fromNodeReadable, waitForDrain } from './node/index.js';
import { fromReadableStream, toReadableStream, toResponse } from './web/index.js';

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

const coded = (code: unknown, argument: string) =>
  expect.objectContaining({ code, message: expect.stringContaining(argument) });

// One table for the text stages and the node and fs adapters (this package sees both).
describe('call-time errors of the text stages and the node and fs adapters', () => {
  describe.each(WEIRD)('given %s', (_, value) => {
    it('formatCsv rejects it as eol and parseNdjson as onError, with a coded TypeError naming the option', () => {
      expect(() => formatCsv({ eol: value as never })).toThrow(
        coded('ERR_SLUICE_INVALID_OPTION', 'formatCsv(options).eol'),
      );
      expect(() => parseNdjson({ onError: value as never })).toThrow(
        coded('ERR_SLUICE_INVALID_OPTION', 'parseNdjson(options).onError'),
      );
    });

    it('waitForDrain throws a coded TypeError at once when it is the writable or the flush', () => {
      expect(() => waitForDrain(value as never)).toThrow(
        coded('ERR_SLUICE_INVALID_ARGUMENT', 'waitForDrain(writable)'),
      );
      expect(() => waitForDrain(new PassThrough(), undefined, value as never)).toThrow(
        coded('ERR_SLUICE_INVALID_ARGUMENT', 'waitForDrain(…, flushed)'),
      );
    });

    it('the CSV and NDJSON stages reject it as columns or stats with a coded TypeError naming the option', () => {
      expect(() => formatCsv({ columns: value as never })).toThrow(
        coded('ERR_SLUICE_INVALID_OPTION', 'formatCsv(options).columns'),
      );
      expect(() => parseCsv({ columns: value as never })).toThrow(
        coded('ERR_SLUICE_INVALID_OPTION', 'parseCsv(options).columns'),
      );
      expect(() => parseNdjson({ stats: value as never })).toThrow(
        coded(expect.stringMatching(/^ERR_SLUICE_/), 'parseNdjson(options).stats'),
      );
    });

    it('the stream and request adapters reject it as their first argument with a coded TypeError', () => {
      expect(() => fromNodeReadable(value as never)).toThrow(
        coded('ERR_SLUICE_INVALID_SOURCE', 'fromNodeReadable(readable)'),
      );
      expect(() => fromReadableStream(value as never)).toThrow(
        coded('ERR_SLUICE_INVALID_SOURCE', 'fromReadableStream(stream)'),
      );
      expect(() => toReadableStream(value as never)).toThrow(coded('ERR_SLUICE_INVALID_ARGUMENT', 'toReadableStream'));
      expect(() => toResponse(value as never)).toThrow(coded('ERR_SLUICE_INVALID_ARGUMENT', 'toResponse'));
      expect(() => requestSignal(value as never, undefined as never)).toThrow(
        coded('ERR_SLUICE_INVALID_ARGUMENT', 'requestSignal'),
      );
    });

    it('fromFile and toFile throw a coded TypeError when it is the path or the encoding', () => {
      expect(() => fromFile(value as never)).toThrow(coded('ERR_SLUICE_INVALID_ARGUMENT', 'fromFile(path)'));
      expect(() => toFile(value as never)).toThrow(coded('ERR_SLUICE_INVALID_ARGUMENT', 'toFile(path)'));
      expect(() => fromFile('x', { encoding: value as never })).toThrow(
        coded('ERR_SLUICE_INVALID_OPTION', 'fromFile(path, options).encoding'),
      );
      expect(() => toFile('x', { encoding: value as never })).toThrow(
        coded('ERR_SLUICE_INVALID_OPTION', 'toFile(path, options).encoding'),
      );
    });
  });

  // These go through core's validators and its value describer, which read nothing of a revoked Proxy.
  describe.each(WEIRD)('given %s', (_, value) => {
    it('splitLines and parseNdjson reject it as maxLineLength with a coded error naming the option', () => {
      const anyCode = expect.stringMatching(/^ERR_SLUICE_OPTION_OUT_OF_RANGE$|^ERR_SLUICE_INVALID_OPTION$/);
      expect(() => splitLines({ maxLineLength: value as never })).toThrow(
        coded(anyCode, 'splitLines(options).maxLineLength'),
      );
      expect(() => parseNdjson({ maxLineLength: value as never })).toThrow(
        coded(anyCode, 'parseNdjson(options).maxLineLength'),
      );
    });

    it('waitForDrain throws a coded TypeError at once when it is the signal', () => {
      expect(() => waitForDrain(new PassThrough(), value as never)).toThrow(
        coded('ERR_SLUICE_INVALID_OPTION', 'waitForDrain(writable, signal)'),
      );
    });
  });

  it('says which encoding was unknown', () => {
    expect(() => fromFile('x', { encoding: 'klingon' as never })).toThrow(
      expect.objectContaining({ message: expect.stringContaining('"klingon"') }),
    );
  });
});

describe('what the pipeline adapters take as a pipeline', () => {
  const lookalike = { iterate() {}, pipe() {}, run() {}, to() {} };

  it('rejects an object with the methods of a Pipeline but not its brand, with a coded TypeError saying what it got', () => {
    const req = new IncomingMessage(new Socket());
    const res = new ServerResponse(req);
    const got = coded(
      'ERR_SLUICE_INVALID_ARGUMENT',
      'pipeline must be a sluice Pipeline (from(...)), got an instance of Object',
    );
    expect(() => sendPipeline(req, res, lookalike as never)).toThrow(got);
    expect(() => toReadableStream(lookalike as never)).toThrow(got);
    expect(() => toResponse(lookalike as never)).toThrow(got);
  });

  it('takes a pipeline built by another copy of @sluice/core', async () => {
    vi.resetModules();
    const copy = await import('@sluice/core');
    const chunks: string[] = [];
    for await (const chunk of toReadableStream(copy.from(['a', 'b']))) chunks.push(chunk);
    expect(chunks).toEqual(['a', 'b']);
  });
});
