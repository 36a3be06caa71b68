import { execFile } from 'node:child_process';
import type { ServerResponse } from 'node:http';
import { flushMacrotask } from '@sluice/core/testing';
import type { SendReport } from '../http/send-pipeline.js';

/** Row `i` of a CSV-like export; the third column keeps gzip from shrinking the body to nothing. */
export const csvRow = (i: number): string => `${i},customer-${i},${(i * 2654435761) % 1000003}.${i % 97}\n`;

/** What a handler's `sendPipeline` call settled with. */
export type Settled =
  | { readonly report: SendReport; readonly error?: undefined }
  | { readonly report?: undefined; readonly error: unknown };

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

/** An idle client process, started ahead so that spawning it does not fall in what a test measures. */
export interface ClientProcess {
  /** Sends the request and reads the response; resolves with the bytes read once the process exited. */
  fetch(): Promise<number>;
}

/**
 * A client in another process (as curl would be) that asks for `path` accepting gzip and reads
 * the response: all of it, or only `bytes` before it vanishes (its socket destroyed with data
 * unread, so the server's next writes fail with `ECONNRESET`/`EPIPE`). Another process, because
 * an in-process client reads only when the server yields to the event loop, which is exactly what
 * a synchronous export may never do. Resolves once the process is up and waiting for `fetch()`.
 */
export async function clientProcess(
  port: number,
  { path = '/', bytes = Infinity }: { path?: string; bytes?: number } = {},
): Promise<ClientProcess> {
  const script = `
    process.stdin.once('data', () => {
      process.stdin.destroy();
      const socket = require('node:net').connect(${port}, '127.0.0.1', () =>
        socket.write('GET ${path} HTTP/1.1\\r\\nHost: x\\r\\nAccept-Encoding: gzip\\r\\nConnection: close\\r\\n\\r\\n'));
      let got = 0;
      socket.on('data', (chunk) => {
        got += chunk.length;
        if (got >= ${bytes}) socket.destroy();
      });
      socket.on('error', () => {});
      socket.on('close', () => process.stdout.write(String(got)));
    });
    process.stderr.write('ready');`;
  const child = spawnScript(script);
  await child.ready;
  return {
    fetch() {
      child.process.stdin!.end('go\n');
      return child.done.then(Number);
    },
  };
}

/** Runs `script` in a child Node process; `ready` resolves on its first stderr output. */
function spawnScript(script: string) {
  let process!: ReturnType<typeof execFile>;
  const done = new Promise<string>((resolve, reject) => {
    process = execFile(globalThis.process.execPath, ['-e', script], { timeout: 60_000 }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    );
  });
  done.catch(() => undefined);
  const ready = new Promise<void>((resolve) => process.stderr!.once('data', () => resolve()));
  return { process, ready, done };
}

/** A client in another process that sends `GET path` every 5 ms, each on a new connection, until stopped. */
export interface Pinger {
  /** Resolves with the first answer: the pinger is running. */
  readonly started: Promise<void>;
  /** Stops pinging; resolves with every ping's round trip in milliseconds. */
  stop(): Promise<number[]>;
}

export function pinger(port: number, path: string): Pinger {
  const script = `
    const http = require('node:http');
    const times = [];
    let stopping = false;
    process.stdin.on('end', () => (stopping = true)).resume();
    (function ping() {
      if (stopping) return process.stdout.write(JSON.stringify(times));
      const start = performance.now();
      http.get({ host: '127.0.0.1', port: ${port}, path: '${path}', agent: false }, (res) => {
        res.resume().on('end', () => {
          times.push(performance.now() - start);
          if (times.length === 1) process.stderr.write('started');
          setTimeout(ping, 5);
        });
      }).on('error', () => setTimeout(ping, 5));
    })();`;
  const child = spawnScript(script);
  return {
    started: child.ready,
    stop() {
      child.process.stdin!.end();
      return child.done.then((out) => JSON.parse(out) as number[]);
    },
  };
}
