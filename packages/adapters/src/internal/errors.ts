import type { SluiceErrorCode } from '@sluice/core';
import { nameOf } from '@sluice/core/kit';

/**
 * Errors the adapters raise when the world closes under a run, or is already past the point a
 * stage needs. Stable `name` and `code` (listed in `docs/errors.md`); check them with the
 * predicates, never with `instanceof`.
 */

/** A destination was destroyed, ended or closed by someone other than the run. */
export class DestinationClosedError extends Error {
  readonly code = 'ERR_SLUICE_DESTINATION_CLOSED' satisfies SluiceErrorCode;
  constructor(message = 'The destination was closed before the run finished writing to it') {
    super(message);
    this.name = 'DestinationClosedError';
  }
}

/** The HTTP client went away (its connection closed before the response finished). */
export class ClientGoneError extends Error {
  readonly code = 'ERR_SLUICE_CLIENT_GONE' satisfies SluiceErrorCode;
  /** `options.cause`: what showed it (the socket's `ECONNRESET`/`EPIPE` from a write). */
  constructor(message = 'The client closed the connection before the response was complete', options?: ErrorOptions) {
    super(message, options);
    this.name = 'ClientGoneError';
  }
}

/** sendPipeline was handed a response whose headers already went out: it must own the whole response. */
export class HeadersSentError extends Error {
  readonly code = 'ERR_SLUICE_HEADERS_SENT' satisfies SluiceErrorCode;
  constructor(
    message = 'sendPipeline(req, res): the response has already sent its headers (res.headersSent); sendPipeline must own the whole response',
  ) {
    super(message);
    this.name = 'HeadersSentError';
  }
}

/** True for a `DestinationClosedError` (checked by name, so it works across copies of the package). */
export function isDestinationClosed(error: unknown): boolean {
  return nameOf(error) === 'DestinationClosedError';
}

/** True for a `ClientGoneError` (checked by name, so it works across copies of the package). */
export function isClientGone(error: unknown): boolean {
  return nameOf(error) === 'ClientGoneError';
}
