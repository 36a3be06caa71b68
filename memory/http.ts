/**
 * Real loopback HTTP for the memory cases: a server that answers every request with
 * `sendPipeline`, and a client in the same process that reads the body slowly (gunzipping it
 * when it is compressed), so the server's response sees real socket backpressure.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { Pipeline } from '@sluice/core';
import { sendPipeline, type SendReport } from '@sluice/adapters/http';
import { CHUNK, slowWritable } from './harness.js';

/** Serves one request with `body()`, fetches it with a slow client; resolves the server's report. */
export async function sendToSlowClient(body: () => Pipeline<Buffer | string>, gzip: boolean): Promise<SendReport> {
  let report!: Promise<SendReport>;
  const server = http.createServer((req, res) => {
    report = sendPipeline(req, res, body(), { contentType: 'text/csv', gzip });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    const req = http.get({
      host: '127.0.0.1',
      port,
      path: '/',
      headers: { 'accept-encoding': gzip ? 'gzip' : 'identity' },
    });
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    if (res.statusCode !== 200) throw new Error(`the server answered ${res.statusCode}`);
    if ((res.headers['content-encoding'] === 'gzip') !== gzip)
      throw new Error(`content-encoding: ${res.headers['content-encoding']}`);
    await (gzip ? pipeline(res, createGunzip({ chunkSize: CHUNK }), slowWritable()) : pipeline(res, slowWritable()));
    const done = await report;
    if (done.outcome !== 'completed') throw new Error(`the export ended ${done.outcome}`);
    return done;
  } finally {
    server.close();
    server.closeAllConnections();
  }
}
