import type { ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { from } from '@sluice/core';
import { NO_LEAKS, deferred, leakCheck, trackedSource } from '@sluice/core/testing';
import { isDestinationClosed } from '../internal/errors.js';
import { fetchRaw, loopback, openRequest, type Loopback } from '../test-support/http-loopback.js';
import { responseListeners, settle, writerStalled, type Settled } from '../test-support/http-probes.js';
import { sendPipeline } from './send-pipeline.js';

let lb: Loopback;
beforeEach(async () => {
  lb = await loopback();
});
afterEach(async () => {
  vi.useRealTimers();
  await lb.close();
});

describe('sendPipeline teardown', () => {
  it.each(['timeout', 'signal'] as const)(
    'a slow client blocked on drain, stopped by the %s: source released, drain wait settled, no listener left',
    async (stopper) => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const CHUNK = 64 * 1024;
      const controller = new AbortController();
      let produced = 0;
      let closed = 0;
      let response: ServerResponse | undefined;
      let before: Record<string, number> = {};
      let after: Record<string, number> = {};
      const done = deferred<Settled>();
      lb.handle((req, res) => {
        response = res;
        before = responseListeners(res);
        const endless = from(async function* () {
          try {
            for (;;) {
              produced++;
              yield Buffer.alloc(CHUNK, 7);
            }
          } finally {
            closed++;
          }
        });
        const options = stopper === 'timeout' ? { timeout: 200 } : { signal: controller.signal };
        void settle(sendPipeline(req, res, endless, options)).then((s) => {
          after = responseListeners(res);
          done.resolve(s);
        });
      });
      const { res: clientRes } = await openRequest(lb.port, '/');
      await writerStalled(response!, () => produced);
      expect(response!.listenerCount('drain')).toBe(1);
      if (stopper === 'timeout') vi.advanceTimersByTime(200);
      else controller.abort(new Error('shutdown'));
      const { report } = await done.promise;
      expect(report?.outcome).toBe(stopper === 'timeout' ? 'timed-out' : 'aborted');
      expect(report?.error).toMatchObject(stopper === 'timeout' ? { name: 'TimeoutError' } : { message: 'shutdown' });
      expect(report?.run.outcome).toBe(stopper === 'timeout' ? 'timed-out' : 'aborted');
      expect(closed).toBe(1);
      expect(after).toEqual(before);
      expect(after.drain).toBe(0);
      const ended = deferred<boolean>();
      clientRes.on('close', () => ended.resolve(clientRes.complete));
      clientRes.resume();
      expect(await ended.promise).toBe(false);
    },
  );

  it('a timeout before the first byte answers 503', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const source = trackedSource({ items: ['late'], hangAt: 0 });
    const done = deferred<Settled>();
    lb.handle((req, res) => void settle(sendPipeline(req, res, from(source), { timeout: 1000 })).then(done.resolve));
    const fetching = fetchRaw(lb.port, '/');
    await source.hanging.promise;
    vi.advanceTimersByTime(1000);
    const got = await fetching;
    expect(got.status).toBe(503);
    expect(got.body.toString()).toBe('Service Unavailable\n');
    expect((await done.promise).report).toMatchObject({ outcome: 'timed-out', status: 503 });
    source.release();
    await source.closed.promise;
    expect(source.stats.closes).toBe(1);
  });

  it("someone else's res.end() mid-stream ends the run at once: destination-closed, source released", async () => {
    const source = trackedSource({ items: ['first\n'], hangAt: 1 });
    const leaks = leakCheck({ allowResources: ['TCPSocketWrap'] });
    let response: ServerResponse | undefined;
    const done = deferred<Settled>();
    const wroteFirst = deferred<void>();
    lb.handle((req, res) => {
      response = res;
      // The first row goes out at the turn of the loop after the source started its hanging pull.
      const write = res.write.bind(res) as (...args: unknown[]) => boolean;
      res.write = ((...args: unknown[]) => {
        wroteFirst.resolve();
        return write(...args);
      }) as typeof res.write;
      void settle(sendPipeline(req, res, from(source))).then(done.resolve);
    });
    const fetching = fetchRaw(lb.port, '/');
    await source.hanging.promise;
    await wroteFirst.promise;
    response!.end('timeout'); // a framework's timeout handler
    // Settles although the source is still blocked in its pull (it is released below, after).
    const { report } = await done.promise;
    expect(report?.outcome).toBe('destination-closed');
    expect(isDestinationClosed(report?.error)).toBe(true);
    const got = await fetching;
    expect(got.status).toBe(200);
    expect(got.body.toString()).toBe('first\ntimeout');
    source.release();
    await source.closed.promise;
    expect(source.stats.closes).toBe(1);
    expect(await leaks.finish()).toEqual(NO_LEAKS);
  });

  it('a response destroyed before the call: resolves client-gone, the source function is never called', async () => {
    let calls = 0;
    const done = deferred<Settled>();
    lb.handle((req, res) => {
      res.destroy();
      const rows = from(() => {
        calls++;
        return ['never'];
      });
      void settle(sendPipeline(req, res, rows)).then(done.resolve);
    });
    await fetchRaw(lb.port, '/').catch(() => undefined);
    const { report } = await done.promise;
    expect(report).toMatchObject({ outcome: 'client-gone', headersSent: false });
    expect(calls).toBe(0);
  });

  it('an already-aborted signal: 503, the source is never opened', async () => {
    const source = trackedSource(['never']);
    const reason = new Error('draining');
    const done = deferred<Settled>();
    lb.handle(
      (req, res) =>
        void settle(sendPipeline(req, res, from(source), { signal: AbortSignal.abort(reason) })).then(done.resolve),
    );
    const got = await fetchRaw(lb.port, '/');
    expect(got.status).toBe(503);
    expect((await done.promise).report).toMatchObject({ outcome: 'aborted', error: reason });
    expect(source.stats.opens).toBe(0);
  });

  describe('validation', () => {
    it('throws coded errors at call time and never opens the source', async () => {
      const source = trackedSource(['never']);
      const errors: unknown[] = [];
      const handled = deferred();
      lb.handle((req, res) => {
        const attempt = (fn: () => unknown) => {
          try {
            fn();
          } catch (error) {
            errors.push(error);
          }
        };
        attempt(() => sendPipeline(req, {} as never, from(source)));
        attempt(() => sendPipeline(req, res, ['x'] as never));
        attempt(() => sendPipeline(req, res, from(source), { gzip: 'yes' } as never));
        attempt(() => sendPipeline(req, res, from(source), { status: 404 }));
        attempt(() => sendPipeline(req, res, from(source), { headers: { 'bad header': 'x' } }));
        attempt(() => sendPipeline(req, res, from(source), { filename: 'a\r\nb' }));
        attempt(() => sendPipeline(req, res, from(source), { filename: 'half \uD83D.csv' }));
        attempt(() => sendPipeline(req, res, from(source), { timeout: -1 }));
        attempt(() => sendPipeline(req, res, from(source), { colour: 'blue' } as never));
        res.write('already started');
        attempt(() => sendPipeline(req, res, from(source)));
        res.end();
        handled.resolve();
      });
      await fetchRaw(lb.port, '/');
      await handled.promise;
      expect(errors.map((e) => (e as { code?: string }).code)).toEqual([
        'ERR_SLUICE_INVALID_ARGUMENT',
        'ERR_SLUICE_INVALID_ARGUMENT',
        'ERR_SLUICE_INVALID_OPTION',
        'ERR_SLUICE_OPTION_OUT_OF_RANGE',
        'ERR_SLUICE_INVALID_OPTION',
        'ERR_SLUICE_INVALID_OPTION',
        'ERR_SLUICE_INVALID_OPTION',
        'ERR_SLUICE_OPTION_OUT_OF_RANGE',
        'ERR_SLUICE_INVALID_OPTION',
        'ERR_SLUICE_HEADERS_SENT',
      ]);
      expect(source.stats.opens).toBe(0);
    });
  });
});
