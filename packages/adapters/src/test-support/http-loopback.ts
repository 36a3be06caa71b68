import http, {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type RequestListener,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Test kit for the HTTP adapter: a real server on 127.0.0.1 (port 0) whose handler each test
 * sets, and real `node:http` clients. Not part of the public API.
 */
export interface Loopback {
  readonly port: number;
  /** The handler for the next requests. */
  handle(handler: (req: IncomingMessage, res: ServerResponse) => void): void;
  close(): Promise<void>;
}

export async function loopback(): Promise<Loopback> {
  let current: RequestListener = (_req, res) => {
    res.statusCode = 404;
    res.end();
  };
  const server = http.createServer((req, res) => current(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    handle(handler) {
      current = handler;
    },
    close: () => closeServer(server),
  };
}

export function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

/** What a client got: `complete` is false for a broken transfer (reset or truncated chunked body). */
export interface Fetched {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly complete: boolean;
  readonly error: (Error & { code?: string }) | undefined;
}

export interface FetchOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** Sends one request on a fresh connection and reads the whole response, a broken one included. */
export function fetchRaw(port: number, path: string, options: FetchOptions = {}): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      path,
      method: options.method ?? 'GET',
      headers: options.headers ?? {},
      agent: false,
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let error: Error | undefined;
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (e) => (error = e));
      res.on('close', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks),
          complete: res.complete,
          error,
        }),
      );
    });
    req.end(options.body);
  });
}

/** A client whose response the test drives by hand (read some, pause, leave). */
export function openRequest(
  port: number,
  path: string,
  options: FetchOptions = {},
): Promise<{ req: http.ClientRequest; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      path,
      method: options.method ?? 'GET',
      headers: options.headers ?? {},
      agent: false,
    });
    req.on('error', reject);
    req.on('response', (res) => {
      res.on('error', () => undefined);
      resolve({ req, res });
    });
    req.end(options.body);
  });
}
