import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { from } from '@sluice/core';
import { closeServer } from '../test-support/http-loopback.js';
import { probeScenario } from '../test-support/memory-probe.js';
import type { SendReport } from './send-pipeline.js';
import { sendPipeline } from './send-pipeline.js';

/**
 * Memory scenario (run by `measureInChild`): `megabytes` of fresh 64 KiB Buffers from an async
 * source through `sendPipeline` (gzip or not) over loopback HTTP to a client that reads one chunk
 * per event-loop turn.
 */
probeScenario<{ megabytes: number; gzip: boolean }>(async ({ megabytes, gzip }, meter) => {
  const CHUNK = 64 * 1024;
  const chunks = Math.ceil((megabytes * 1024 * 1024) / CHUNK);
  let sent!: Promise<SendReport>;
  const server = http.createServer((req, res) => {
    const rows = from(async function* () {
      for (let i = 0; i < chunks; i++) {
        if (i % 16 === 0) meter.sample();
        yield Buffer.alloc(CHUNK, i & 0xff);
      }
    });
    sent = sendPipeline(req, res, rows, { gzip });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const received = await new Promise<number>((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: '/', agent: false, headers: { 'accept-encoding': 'gzip' } },
      (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          res.pause();
          setImmediate(() => res.resume());
        });
        res.on('end', () => resolve(bytes));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
  });
  const report = await sent;
  await closeServer(server);
  if (report.outcome !== 'completed' || received !== report.bytes)
    throw new Error(`got ${received} bytes, report ${JSON.stringify(report)}`);
});
