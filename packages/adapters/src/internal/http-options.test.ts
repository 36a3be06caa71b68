import { describe, expect, it } from 'vitest';
import { acceptsGzip, contentDisposition, errorBody, errorStatus, isCompressible } from './http-options.js';

describe('contentDisposition', () => {
  it('quotes a plain ASCII name unless it is a token', () => {
    expect(contentDisposition('report 2024.csv')).toBe('attachment; filename="report 2024.csv"');
    expect(contentDisposition('report-2024.csv')).toBe('attachment; filename=report-2024.csv');
  });

  it('escapes quotes and backslashes in the quoted name', () => {
    expect(contentDisposition('a "b" \\c.txt')).toBe('attachment; filename="a \\"b\\" \\\\c.txt"');
  });

  it('adds a UTF-8 filename* for non-ASCII names, with an ASCII fallback', () => {
    expect(contentDisposition('Übersicht €.csv')).toBe(
      `attachment; filename="?bersicht ?.csv"; filename*=UTF-8''%C3%9Cbersicht%20%E2%82%AC.csv`,
    );
  });

  it("percent-encodes the characters RFC 5987 does not allow bare ('()*)", () => {
    expect(contentDisposition("it's (ü)*.txt")).toContain(`filename*=UTF-8''it%27s%20%28%C3%BC%29%2A.txt`);
  });

  it('adds filename* when the name contains a percent sequence a client could decode', () => {
    expect(contentDisposition('100%20.txt')).toBe(`attachment; filename=100%20.txt; filename*=UTF-8''100%2520.txt`);
  });
});

describe('acceptsGzip', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['gzip', true],
    ['deflate, gzip;q=0.5', true],
    ['GZIP', true],
    // RFC 9110 asks to treat x-gzip as gzip; negotiator (and Express's compression) does not: identity.
    ['x-gzip', false],
    ['identity, gzip', true],
    ['identity;q=0.5, gzip;q=0.5', true],
    ['gzip;q=0.5, identity', false],
    ['gzip;q=0, *;q=0.5', false],
    ['identity;q=0', false],
    ['gzip;q=abc', false],
    ['gzip, deflate, br, zstd', true],
    [['deflate', 'gzip;q=0.1'], true],
    ['gzip;q=0', false],
    ['*', true],
    ['*;q=0', false],
    ['gzip;q=0, *', false],
    ['br, identity', false],
  ])('%j → %s', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });
});

describe('isCompressible', () => {
  it.each([
    ['text/csv; charset=utf-8', true],
    ['application/json', true],
    ['application/x-ndjson', true],
    ['application/vnd.api+json', true],
    ['image/svg+xml', true],
    ['image/png', false],
    ['application/zip', false],
    // mime-db marks application/octet-stream compressible; 'auto' follows it.
    ['application/octet-stream', true],
    ['application/ndjson', true],
    ['application/jsonl; charset=utf-8', true],
    ['application/x-unknown', false],
    ['TEXT/CSV', true],
    [undefined, false],
  ])('%j → %s', (type, expected) => {
    expect(isCompressible(type)).toBe(expected);
  });
});

describe('errorStatus and errorBody', () => {
  it("uses the error's own 4xx/5xx status or statusCode, else the fallback", () => {
    expect(errorStatus(Object.assign(new Error('x'), { status: 404 }), 500)).toBe(404);
    expect(errorStatus({ statusCode: 502 }, 500)).toBe(502);
    expect(errorStatus({ status: 302 }, 500)).toBe(500);
    expect(errorStatus({ status: '404' }, 500)).toBe(500);
    expect(errorStatus('nope', 503)).toBe(503);
  });

  it('never shows a 5xx message or a stack; shows the first line of a 4xx message', () => {
    expect(errorBody(new Error('secret detail'), 500)).toBe('Internal Server Error\n');
    expect(errorBody(new Error('Bad date\n    at parse (x.js:1:1)'), 400)).toBe('Bad date\n');
    expect(errorBody(Object.assign(new Error('hidden'), { expose: false }), 403)).toBe('Forbidden\n');
    expect(errorBody(new Error('x'.repeat(300)), 400)).toHaveLength(202);
  });
});
