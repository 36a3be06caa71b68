import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { from, type ProgressSnapshot } from '@sluice/core';
import { deferred } from '@sluice/core/testing';
import { fetchRaw, loopback, type Loopback } from '../test-support/http-loopback.js';
import { sendPipeline } from './send-pipeline.js';

let lb: Loopback;
beforeEach(async () => {
  lb = await loopback();
});
afterEach(() => lb.close());

describe('sendPipeline onProgress', () => {
  it('reports the body bytes written, gzipped or not, and the rows the source read, in the final snapshot', async () => {
    const rows = Array.from({ length: 5_000 }, (_, i) => `${i},customer-${i}\n`);
    for (const encoding of ['identity', 'gzip']) {
      const final = deferred<ProgressSnapshot>();
      lb.handle(
        (req, res) =>
          void sendPipeline(req, res, from(rows), {
            gzip: true,
            onProgress: (s) => s.final && final.resolve(s),
          }),
      );
      const got = await fetchRaw(lb.port, '/', { headers: { 'accept-encoding': encoding } });
      const snapshot = await final.promise;
      expect(got.headers['content-encoding']).toBe(encoding === 'gzip' ? 'gzip' : undefined);
      expect(snapshot, encoding).toMatchObject({
        outcome: 'completed',
        bytes: got.body.length,
        source: { state: 'closed', items: 5_000 },
      });
    }
  });

  it('rejects a bad progressInterval with the run’s coded error, naming sendPipeline’s options', async () => {
    const thrown = deferred<unknown>();
    lb.handle((req, res) => {
      try {
        void sendPipeline(req, res, from(['x']), { progressInterval: 0, onProgress: () => {} });
      } catch (error) {
        thrown.resolve(error);
        res.end();
      }
    });
    await fetchRaw(lb.port, '/');
    expect(await thrown.promise).toMatchObject({
      code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE',
      message: expect.stringContaining('sendPipeline(req, res, pipeline, options).progressInterval'),
    });
  });
});
