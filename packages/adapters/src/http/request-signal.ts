import type { IncomingMessage, ServerResponse } from 'node:http';
import { SluiceTypeError } from '@sluice/core';
import { hasShape } from '@sluice/core/kit';
import { ClientGoneError } from '../internal/errors.js';

/** A signal that aborts when the HTTP client leaves, and the means to stop watching. */
export interface RequestSignal extends Disposable {
  /** Aborted with a `ClientGoneError` when the client leaves before the response finished. */
  readonly signal: AbortSignal;
  /** Removes the listener from `res` (idempotent); the signal never aborts afterwards. Also `using`. */
  dispose(): void;
}

/** Throws a coded `TypeError` unless `value` looks like an `http.IncomingMessage`. */
export function assertRequest(value: unknown, where: string): IncomingMessage {
  const req = value as Partial<IncomingMessage> | null;
  if (
    !hasShape(
      () => typeof req === 'object' && req !== null && typeof req.headers === 'object' && typeof req.on === 'function',
    )
  ) {
    throw new SluiceTypeError('ERR_SLUICE_INVALID_ARGUMENT', `${where}: req must be an http.IncomingMessage`);
  }
  return value as IncomingMessage;
}

/** Throws a coded `TypeError` unless `value` looks like an `http.ServerResponse`. */
export function assertResponse(value: unknown, where: string): ServerResponse {
  const res = value as Partial<ServerResponse> | null;
  if (
    typeof res !== 'object' ||
    res === null ||
    typeof res.write !== 'function' ||
    typeof res.end !== 'function' ||
    typeof res.setHeader !== 'function' ||
    typeof res.on !== 'function' ||
    typeof res.headersSent !== 'boolean'
  ) {
    throw new SluiceTypeError('ERR_SLUICE_INVALID_ARGUMENT', `${where}: res must be a writable http.ServerResponse`);
  }
  return value as ServerResponse;
}

/**
 * Gives a signal that aborts, with a `ClientGoneError`, when the HTTP client goes away.
 *
 * *Contract*
 * - Detection is `res` `'close'` without `res.writableFinished`: a disconnect mid-body, a client
 *   that leaves before the first byte (even with a half-close), or a `res.destroy()` by anyone.
 *   `req` `'close'` is NOT used: it fires as soon as a POST body was consumed while the client
 *   is still there (and `req.signal` false-aborts on some 24.x releases).
 * - A response that is already destroyed gives an already-aborted signal (checked synchronously).
 * - A response that finished normally never aborts the signal.
 * - Holds one `'close'` listener on `res` until the client leaves or `dispose()` is called; call
 *   `dispose()` (or declare it with `using`) when the handler is done so nothing stays on `res`.
 *
 * @example
 * ```ts doctest
 * import { once } from 'node:events';
 * import http from 'node:http';
 * import type { AddressInfo } from 'node:net';
 *
 * const queryRows = [{ id: 1 }, { id: 2 }];
 * const server = http.createServer(async (req, res) => {
 *   const { signal, dispose } = requestSignal(req, res);
 *   try {
 *     const rows = await from(queryRows).toArray({ signal });
 *     res.end(JSON.stringify(rows));
 *   } finally {
 *     dispose();
 *   }
 * });
 * await once(server.listen(0, '127.0.0.1'), 'listening');
 * const { port } = server.address() as AddressInfo;
 * const response = await fetch(`http://127.0.0.1:${port}/orders`);
 * await response.json(); // => [{ id: 1 }, { id: 2 }]
 * await new Promise((closed) => server.close(closed));
 * ```
 */
export function requestSignal(req: IncomingMessage, res: ServerResponse): RequestSignal {
  assertRequest(req, 'requestSignal(req, res)');
  assertResponse(res, 'requestSignal(req, res)');
  const controller = new AbortController();
  let disposed = false;
  const dispose = () => {
    if (disposed) return;
    disposed = true;
    res.off('close', onClose);
  };
  const onClose = () => {
    dispose();
    if (!res.writableFinished) controller.abort(new ClientGoneError());
  };
  if (res.destroyed) onClose();
  else res.on('close', onClose);
  return { signal: controller.signal, dispose, [Symbol.dispose]: dispose };
}
