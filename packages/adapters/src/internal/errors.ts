/**
 * Errors the adapters raise when the world closes under a run. Stable `name` and `code`; check
 * them with the predicates, never with `instanceof`.
 */

/** A destination was destroyed, ended or closed by someone other than the run. */
export class DestinationClosedError extends Error {
  readonly code = 'ERR_SLUICE_DESTINATION_CLOSED';
  constructor(message = 'The destination was closed before the run finished writing to it') {
    super(message);
    this.name = 'DestinationClosedError';
  }
}

/** The HTTP client went away (its connection closed before the response finished). */
export class ClientGoneError extends Error {
  readonly code = 'ERR_SLUICE_CLIENT_GONE';
  /** `options.cause`: what showed it (the socket's `ECONNRESET`/`EPIPE` from a write). */
  constructor(message = 'The client closed the connection before the response was complete', options?: ErrorOptions) {
    super(message, options);
    this.name = 'ClientGoneError';
  }
}

function nameOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
}

/** True for a `DestinationClosedError` (checked by name, so it works across copies of the package). */
export function isDestinationClosed(error: unknown): boolean {
  return nameOf(error) === 'DestinationClosedError';
}

/** True for a `ClientGoneError` (checked by name, so it works across copies of the package). */
export function isClientGone(error: unknown): boolean {
  return nameOf(error) === 'ClientGoneError';
}
