import { execFile } from 'node:child_process';
import type { ServerResponse } from 'node:http';
import { flushMacrotask } from '@sluice/core/testing';
import type { SendReport } from '../http/send-pipeline.js';

/** What a handler's `sendPipeline` call settled with. */
export type Settled = { readonly report: SendReport; readonly error?: undefined } | { readonly report?: undefined; readonly error: unknown };

/** Records how a `sendPipeline` promise settled, without ever leaving a rejection unhandled. */
export function settle(sending: Promise<SendReport>): Promise<Settled> {
  return sending.then(
    (report) => ({ report }),
    (error: unknown) => ({ error }),
  );
}

/** Listener counts of the events sendPipeline and its drain waits use. */
export function responseListeners(res: ServerResponse): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of ['close', 'finish', 'error', 'drain']) counts[name] = res.listenerCount(name);
  return counts;
}

/**
 * Resolves once a writer is blocked on a client that does not read: `res` holds unsent bytes and
 * `progress()` (items produced so far) has not moved for 20 event-loop turns. Loopback delivery
 * is synchronous in the kernel, so a pump that can still write shows progress within a turn or
 * two. Counts turns, not time; gives up (throws) after 100 000 turns.
 */
export async function writerStalled(res: ServerResponse, progress: () => number): Promise<void> {
  let last = -1;
  let still = 0;
  for (let turn = 0; still < 20; turn++) {
    if (turn > 100_000) throw new Error('the writer never stalled');
    await flushMacrotask();
    const now = progress();
    if (now === last && res.writableLength > 0) still++;
    else {
      still = 0;
      last = now;
    }
  }
}

/**
 * A client in another process (as curl would be) that asks for `/` accepting gzip, reads `bytes`
 * of the response and vanishes: its socket is destroyed with data unread, so the server's next
 * writes fail with `ECONNRESET`/`EPIPE`. Resolves with the bytes it read, once it has exited.
 * Another process, because an in-process client reads only when the server yields to the event
 * loop, which is exactly what a synchronous export may never do.
 */
export function vanishingClient(port: number, bytes: number): Promise<number> {
  const script = `
    const socket = require('node:net').connect(${port}, '127.0.0.1', () =>
      socket.write('GET / HTTP/1.1\\r\\nHost: x\\r\\nAccept-Encoding: gzip\\r\\n\\r\\n'));
    let got = 0;
    socket.on('data', (chunk) => {
      got += chunk.length;
      if (got >= ${bytes}) { socket.destroy(); process.stdout.write(String(got)); }
    });`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { timeout: 60_000 }, (error, stdout) => (error ? reject(error) : resolve(Number(stdout))));
  });
}
