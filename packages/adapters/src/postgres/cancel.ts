import { connect, type Socket } from 'node:net';
import type { PgBackendKey } from './pg-like.js';

/** The protocol's CancelRequest code (1234 << 16 | 5678). */
const CANCEL_REQUEST_CODE = 80877102;

/**
 * Asks the server to cancel whatever the client's backend is running, the way `psql`'s Ctrl-C
 * does: a new connection carrying the backend's pid and secret key, which the server closes once
 * it has signalled the backend. Closing the cursor would wait for the running batch to finish,
 * and destroying the socket leaves the query running on the server.
 *
 * Resolves true once the server closed the cancel connection (the backend has been signalled),
 * false when the client has no backend key or the server could not be reached within `timeoutMs`.
 * Never rejects.
 */
export function sendCancelRequest(key: PgBackendKey, timeoutMs: number): Promise<boolean> {
  const { host, port, processID, secretKey } = key;
  if (typeof processID !== 'number' || typeof secretKey !== 'number' || typeof port !== 'number') {
    return Promise.resolve(false);
  }
  return new Promise<boolean>((resolve) => {
    const unixSocket = typeof host === 'string' && host.startsWith('/');
    const socket: Socket = unixSocket
      ? connect({ path: `${host}/.s.PGSQL.${port}` })
      : connect({ host: host || 'localhost', port });
    let sent = false;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, timeoutMs);
    socket.once('connect', () => {
      const message = Buffer.alloc(16);
      message.writeInt32BE(16, 0);
      message.writeInt32BE(CANCEL_REQUEST_CODE, 4);
      message.writeInt32BE(processID, 8);
      message.writeInt32BE(secretKey, 12);
      socket.end(message);
      sent = true;
    });
    socket.on('error', () => undefined);
    socket.once('close', (hadError) => {
      clearTimeout(timer);
      resolve(sent && !hadError && !timedOut);
    });
  });
}
