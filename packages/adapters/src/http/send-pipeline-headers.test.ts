import { gunzipSync } from 'node:zlib';
import { parse as parseDisposition } from 'content-disposition';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { from } from '@sluice/core';
import { deferred } from '@sluice/core/testing';
import { fetchRaw, loopback, type Loopback } from '../test-support/http-loopback.js';
import { settle, type Settled } from '../test-support/http-probes.js';
import { sendPipeline, type SendPipelineOptions } from './send-pipeline.js';

// Real-world request and response headers, sent over loopback HTTP: what a client actually gets.

let lb: Loopback;
beforeEach(async () => {
  lb = await loopback();
});
afterEach(() => lb.close());

const body = 'id,name\n'.repeat(2000);

/** Serves `body` with sendPipeline, after `before(res)` has set headers of its own. */
function serve(
  options: SendPipelineOptions,
  before: (res: import('node:http').ServerResponse) => void = () => undefined,
): Promise<Settled> {
  const done = deferred<Settled>();
  lb.handle((req, res) => {
    before(res);
    void settle(sendPipeline(req, res, from([body]), options)).then(done.resolve);
  });
  return done.promise;
}

describe('Accept-Encoding as browsers, proxies and scripts send it', () => {
  it.each([
    ['gzip, deflate, br, zstd', 'gzip'],
    ['br;q=1.0, gzip;q=0.8, *;q=0.1', 'gzip'],
    ['*', 'gzip'],
    ['identity, gzip', 'gzip'],
    ['gzip;q=0, *;q=0.5', 'identity'],
    ['gzip;q=0.5, identity', 'identity'],
    ['identity;q=0', 'identity'],
    ['*;q=0', 'identity'],
    ['deflate', 'identity'],
    ['x-gzip', 'identity'],
    ['gzip;q=nonsense', 'identity'],
  ])('%j gets %s', async (acceptEncoding, expected) => {
    const settled = serve({ gzip: true });
    const got = await fetchRaw(lb.port, '/', { headers: { 'accept-encoding': acceptEncoding } });
    const { report } = await settled;
    expect(report?.encoding).toBe(expected);
    expect(got.headers['content-encoding']).toBe(expected === 'gzip' ? 'gzip' : undefined);
    expect((expected === 'gzip' ? gunzipSync(got.body) : got.body).toString()).toBe(body);
    expect(got.headers.vary).toBe('Accept-Encoding');
  });

  it("'auto' compresses what mime-db calls compressible, and the NDJSON formatNdjson writes", async () => {
    for (const [contentType, expected] of [
      ['text/csv; charset=utf-8', 'gzip'],
      ['application/x-ndjson', 'gzip'],
      ['application/octet-stream', 'gzip'],
      ['image/jpeg', undefined],
      ['application/x-made-up', undefined],
    ] as const) {
      const settled = serve({ gzip: 'auto', contentType });
      const got = await fetchRaw(lb.port, '/', { headers: { 'accept-encoding': 'gzip' } });
      await settled;
      expect([contentType, got.headers['content-encoding']]).toEqual([contentType, expected]);
    }
  });
});

describe('Vary', () => {
  it.each([
    ['Origin', 'Origin, Accept-Encoding'],
    ['*', '*'],
    ['origin, accept-encoding', 'origin, accept-encoding'],
    ['Accept-Language,Accept-Encoding', 'Accept-Language,Accept-Encoding'],
  ])('a Vary: %j set before the call becomes %j', async (preset, expected) => {
    const settled = serve({ gzip: 'auto', contentType: 'text/csv' }, (res) => res.setHeader('Vary', preset));
    const got = await fetchRaw(lb.port, '/', { headers: { 'accept-encoding': 'gzip' } });
    await settled;
    expect(got.headers.vary).toBe(expected);
  });

  it('merges with a Vary passed in headers, and adds none when gzip is off', async () => {
    let settled = serve({ gzip: true, headers: { vary: 'Cookie' } });
    expect((await fetchRaw(lb.port, '/')).headers.vary).toBe('Cookie, Accept-Encoding');
    await settled;
    settled = serve({ gzip: false });
    expect((await fetchRaw(lb.port, '/', { headers: { 'accept-encoding': 'gzip' } })).headers.vary).toBeUndefined();
    await settled;
  });
});

describe('Content-Disposition file names', () => {
  it.each([
    ['orders.csv', 'attachment; filename=orders.csv'],
    ['Q3 orders.csv', 'attachment; filename="Q3 orders.csv"'],
    ['say "hi".csv', 'attachment; filename="say \\"hi\\".csv"'],
    ['a;b=c.csv', 'attachment; filename="a;b=c.csv"'],
    ['back\\slash.csv', 'attachment; filename="back\\\\slash.csv"'],
    ['100%20.csv', `attachment; filename=100%20.csv; filename*=UTF-8''100%2520.csv`],
    ['Übersicht €.csv', `attachment; filename="?bersicht ?.csv"; filename*=UTF-8''%C3%9Cbersicht%20%E2%82%AC.csv`],
    [
      '日本語 "レポート";.csv',
      `attachment; filename="??? \\"????\\";.csv"; filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E%20%22%E3%83%AC%E3%83%9D%E3%83%BC%E3%83%88%22%3B.csv`,
    ],
    ['emoji 📦.csv', `attachment; filename="emoji ??.csv"; filename*=UTF-8''emoji%20%F0%9F%93%A6.csv`],
  ])('%j arrives as %s, and a parser gets the name back', async (filename, header) => {
    const settled = serve({ filename });
    const got = await fetchRaw(lb.port, '/');
    await settled;
    expect(got.headers['content-disposition']).toBe(header);
    expect(parseDisposition(got.headers['content-disposition']!)).toEqual({
      type: 'attachment',
      parameters: expect.objectContaining({ filename }),
    });
  });
});
