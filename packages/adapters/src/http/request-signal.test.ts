import http, { type ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deferred } from '@sluice/core/testing';
import { isClientGone } from '../internal/errors.js';
import { fetchRaw, loopback, type Loopback } from '../test-support/http-loopback.js';
import { requestSignal } from './request-signal.js';

let lb: Loopback;
beforeEach(async () => {
  lb = await loopback();
});
afterEach(() => lb.close());

describe('requestSignal', () => {
  it('aborts with a ClientGoneError when the client leaves before the response', async () => {
    const reason = deferred<unknown>();
    const handled = deferred();
    lb.handle((req, res) => {
      const { signal } = requestSignal(req, res);
      signal.addEventListener('abort', () => reason.resolve(signal.reason));
      handled.resolve();
    });
    const req = http.request({ host: '127.0.0.1', port: lb.port, path: '/', agent: false });
    req.on('error', () => undefined);
    req.end();
    await handled.promise;
    req.destroy();
    expect(isClientGone(await reason.promise)).toBe(true);
  });

  it('is already aborted, synchronously, for a destroyed response', async () => {
    const state = deferred<{ aborted: boolean; gone: boolean }>();
    lb.handle((req, res) => {
      res.destroy();
      const { signal } = requestSignal(req, res);
      state.resolve({ aborted: signal.aborted, gone: isClientGone(signal.reason) });
    });
    await fetchRaw(lb.port, '/').catch(() => undefined);
    expect(await state.promise).toEqual({ aborted: true, gone: true });
  });

  it('does not abort when a POST body was consumed (req closes) nor when the response finishes', async () => {
    let res: ServerResponse | undefined;
    let signal: AbortSignal | undefined;
    const reqClosed = deferred<boolean>();
    lb.handle(async (req, response) => {
      res = response;
      signal = requestSignal(req, response).signal;
      for await (const chunk of req) void chunk;
      if (!req.destroyed) await new Promise((resolve) => req.once('close', resolve));
      reqClosed.resolve(signal.aborted);
      response.end('ok');
    });
    const got = await fetchRaw(lb.port, '/', { method: 'POST', body: 'x'.repeat(10_000) });
    expect(await reqClosed.promise).toBe(false);
    expect(got.body.toString()).toBe('ok');
    await new Promise((resolve) => (res!.closed ? resolve(undefined) : res!.once('close', resolve)));
    expect(signal!.aborted).toBe(false);
    expect(res!.listenerCount('close')).toBe(0);
  });

  it('stops watching after dispose(): no listener stays and the signal never aborts', async () => {
    const counts = deferred<{ before: number; during: number; after: number }>();
    let signal: AbortSignal | undefined;
    const handled = deferred<ServerResponse>();
    lb.handle((req, res) => {
      const before = res.listenerCount('close');
      const watched = requestSignal(req, res);
      signal = watched.signal;
      const during = res.listenerCount('close');
      watched.dispose();
      watched[Symbol.dispose]();
      counts.resolve({ before, during, after: res.listenerCount('close') });
      handled.resolve(res);
    });
    const req = http.request({ host: '127.0.0.1', port: lb.port, path: '/', agent: false });
    req.on('error', () => undefined);
    req.end();
    const res = await handled.promise;
    const closed = new Promise((resolve) => res.once('close', resolve));
    req.destroy();
    await closed;
    const { before, during, after } = await counts.promise;
    expect(during).toBe(before + 1);
    expect(after).toBe(before);
    expect(signal!.aborted).toBe(false);
  });

  it('rejects arguments that are not a request and a response with coded errors', () => {
    expect(() => requestSignal({} as never, {} as never)).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_ARGUMENT' }),
    );
  });
});
