import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import express from 'express';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { from } from '@sluice/core';
import { deferred, trackedSource } from '@sluice/core/testing';
import { closeServer, fetchRaw, openRequest } from '../test-support/http-loopback.js';
import { settle, type Settled } from '../test-support/http-probes.js';
import { sendPipeline } from './send-pipeline.js';

const rows = () => Array.from({ length: 500 }, (_, i) => `${i},row ${i}\n`);

describe('sendPipeline under frameworks', () => {
  it('works as an Express 5 handler', async () => {
    const done = deferred<Settled>();
    const app = express();
    app.get('/export.csv', (req, res) =>
      settle(
        sendPipeline(req, res, from(rows()), { contentType: 'text/csv', filename: 'export.csv', gzip: 'auto' }),
      ).then(done.resolve),
    );
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const got = await fetchRaw((server.address() as AddressInfo).port, '/export.csv', {
        headers: { 'accept-encoding': 'gzip' },
      });
      expect(got).toMatchObject({ status: 200, complete: true });
      expect(got.headers['content-type']).toBe('text/csv');
      expect(got.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(got.body).toString()).toBe(rows().join(''));
      expect((await done.promise).report?.outcome).toBe('completed');
    } finally {
      await closeServer(server);
    }
  });

  it('works with Fastify 5 on a hijacked reply, and sees the client leave', async () => {
    const source = trackedSource({ items: ['first\n'], hangAt: 1 });
    const done = deferred<Settled>();
    const app = Fastify();
    app.get('/live', async (request, reply) => {
      reply.hijack();
      await settle(sendPipeline(request.raw, reply.raw, from(source), { contentType: 'text/plain' })).then(
        done.resolve,
      );
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { req, res } = await openRequest((app.server.address() as AddressInfo).port, '/live');
      expect(res.statusCode).toBe(200);
      await source.hanging.promise;
      req.destroy();
      const { report } = await done.promise;
      expect(report).toMatchObject({ outcome: 'client-gone', bytes: 6 });
      source.release();
      await source.closed.promise;
      expect(source.stats.closes).toBe(1);
    } finally {
      app.server.closeAllConnections();
      await app.close();
    }
  });

  it('serves a complete body with Fastify 5', async () => {
    const app = Fastify();
    app.get('/all', (request, reply) => {
      reply.hijack();
      return sendPipeline(request.raw, reply.raw, from(rows()), { contentType: 'text/csv' });
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const got = await fetchRaw((app.server.address() as AddressInfo).port, '/all');
      expect(got).toMatchObject({ status: 200, complete: true });
      expect(got.body.toString()).toBe(rows().join(''));
    } finally {
      app.server.closeAllConnections();
      await app.close();
    }
  });
});
