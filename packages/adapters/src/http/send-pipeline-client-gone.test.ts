import http from 'node:http';
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { from, fromResource, type StageContext } from '@sluice/core';
import { NO_LEAKS, deferred, leakCheck, trackedSource } from '@sluice/core/testing';
import { isClientGone } from '../internal/errors.js';
import { fetchRaw, loopback, openRequest, type Loopback } from '../test-support/http-loopback.js';
import { responseListeners, settle, type Settled } from '../test-support/http-probes.js';
import { sendPipeline } from './send-pipeline.js';

let lb: Loopback;
beforeEach(async () => {
  lb = await loopback();
});
afterEach(() => lb.close());

const aborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) =>
    signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true }),
  );

/** A cursor over `rows` that passes the run's signal to its driver, as real drivers do. */
function cursor(rows: number, { openGate }: { openGate?: Promise<unknown> } = {}) {
  const stats = { opens: 0, closes: 0, reads: 0, signal: undefined as AbortSignal | undefined };
  const opened = deferred();
  const released = deferred();
  const pipeline = fromResource({
    name: 'cursor',
    open: async (ctx: StageContext) => {
      stats.opens++;
      stats.signal = ctx.signal;
      opened.resolve();
      await openGate;
      return {};
    },
    read: async (_cursor: object, { signal }: { signal: AbortSignal }) => {
      const n = stats.reads++;
      if (n < rows) return [`row ${n}\n`];
      await aborted(signal);
      return null;
    },
    close: () => {
      stats.closes++;
      released.resolve();
    },
  });
  return { pipeline, stats, opened, released };
}

describe('sendPipeline when the client leaves', () => {
  it('mid-stream: releases the cursor once, at once, and reports client-gone', async () => {
    const { pipeline, stats, released } = cursor(3);
    const leaks = leakCheck({ allowResources: ['TCPSocketWrap'] });
    let before: Record<string, number> = {};
    let after: Record<string, number> = {};
    const done = deferred<Settled>();
    lb.handle((req, res) => {
      before = responseListeners(res);
      void settle(sendPipeline(req, res, pipeline)).then((s) => {
        after = responseListeners(res);
        done.resolve(s);
      });
    });
    const { req, res } = await openRequest(lb.port, '/');
    let body = '';
    const gotRows = deferred();
    res.on('data', (chunk: Buffer) => {
      body += chunk.toString();
      if (body === 'row 0\nrow 1\nrow 2\n') gotRows.resolve();
    });
    await gotRows.promise;
    req.destroy();
    const { report } = await done.promise;
    await released.promise;
    expect(report?.outcome).toBe('client-gone');
    expect(isClientGone(report?.error)).toBe(true);
    expect(report?.run.outcome).toBe('aborted');
    expect(report?.run.error).toBe(report?.error);
    expect(stats.closes).toBe(1);
    expect(stats.reads).toBe(4);
    expect(after).toEqual(before);
    expect(await leaks.finish()).toEqual(NO_LEAKS);
  });

  it('before the handler starts: never opens the source', async () => {
    let factoryCalls = 0;
    const handlerCalled = deferred();
    const done = deferred<Settled>();
    lb.handle((req, res) => {
      handlerCalled.resolve();
      // The handler "does other work" until after the client left.
      res.once('close', () => {
        const rows = from(() => {
          factoryCalls++;
          return ['never'];
        });
        void settle(sendPipeline(req, res, rows)).then(done.resolve);
      });
    });
    const socket = net.connect(lb.port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await handlerCalled.promise;
    socket.destroy();
    const { report } = await done.promise;
    expect(report).toMatchObject({ outcome: 'client-gone', headersSent: false, status: 0, bytes: 0 });
    expect(factoryCalls).toBe(0);
    expect(report?.run.source.openedAtMs).toBeNull();
  });

  it('during a slow query: aborts the run at once, not when the query returns, and releases once', async () => {
    const query = deferred();
    const { pipeline, stats, opened, released } = cursor(3, { openGate: query.promise });
    const done = deferred<Settled>();
    lb.handle((req, res) => void settle(sendPipeline(req, res, pipeline)).then(done.resolve));
    const req = http.request({ host: '127.0.0.1', port: lb.port, path: '/', agent: false });
    req.on('error', () => undefined);
    req.end();
    await opened.promise;
    req.destroy();
    const { report } = await done.promise;
    expect(report).toMatchObject({ outcome: 'client-gone', bytes: 0, headersSent: false });
    expect(stats.signal?.aborted).toBe(true);
    expect(query.settled).toBe(false);
    query.resolve();
    await released.promise;
    expect(stats.closes).toBe(1);
    // fromResource may still call read() once, with the aborted signal, after a slow open resolves.
    expect(stats.reads).toBeLessThanOrEqual(1);
  });

  it('by a half-close (FIN) before the first byte: detected from res, run aborted at once', async () => {
    const query = deferred();
    const { pipeline, stats, opened, released } = cursor(1, { openGate: query.promise });
    const done = deferred<Settled>();
    lb.handle((req, res) => void settle(sendPipeline(req, res, pipeline)).then(done.resolve));
    const socket = net.connect(lb.port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    socket.on('error', () => undefined);
    await opened.promise;
    socket.end();
    const { report } = await done.promise;
    expect(report).toMatchObject({ outcome: 'client-gone', headersSent: false });
    expect(stats.signal?.aborted).toBe(true);
    expect(query.settled).toBe(false);
    query.resolve();
    await released.promise;
    expect(stats.closes).toBe(1);
    socket.destroy();
  });

  it('is not assumed when a POST body was consumed and the client stays', async () => {
    const done = deferred<Settled>();
    let reqClosedBeforeEnd = false;
    lb.handle(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += String(chunk);
      const rows = from(async function* () {
        yield `got ${body}\n`;
        if (!req.destroyed) await new Promise((resolve) => req.once('close', resolve));
        reqClosedBeforeEnd = true;
        yield 'still here\n';
      });
      void settle(sendPipeline(req, res, rows)).then(done.resolve);
    });
    const got = await fetchRaw(lb.port, '/', { method: 'POST', body: 'payload' });
    expect(got).toMatchObject({ status: 200, complete: true });
    expect(got.body.toString()).toBe('got payload\nstill here\n');
    expect(reqClosedBeforeEnd).toBe(true);
    expect((await done.promise).report?.outcome).toBe('completed');
  });

  it('settles once with the first reason when abort, destroy and disconnect race in one tick', async () => {
    const source = trackedSource({ items: ['a\n', 'b\n'], hangAt: 2 });
    const controller = new AbortController();
    const reason = new Error('shutdown');
    const leaks = leakCheck({ watch: [controller.signal], allowResources: ['TCPSocketWrap'] });
    let serverRes: import('node:http').ServerResponse | undefined;
    const done = deferred<Settled>();
    lb.handle((req, res) => {
      serverRes = res;
      void settle(sendPipeline(req, res, from(source), { signal: controller.signal })).then(done.resolve);
    });
    const { req } = await openRequest(lb.port, '/');
    await source.hanging.promise;
    controller.abort(reason);
    controller.abort(new Error('second'));
    serverRes!.destroy();
    req.destroy();
    const { report } = await done.promise;
    expect(report).toMatchObject({ outcome: 'aborted', error: reason });
    source.release();
    await source.closed.promise;
    expect(source.stats.closes).toBe(1);
    expect(await leaks.finish()).toEqual(NO_LEAKS);
  });
});
