import type { ServerResponse } from 'node:http';
import { errorBody } from './http-options.js';
import type { SendPlan } from './http-options.js';
import { onAbort } from '@sluice/core/kit';
import { waitFor } from './wait.js';

/** Sets the status and the planned headers; they go out with the first byte. */
export function commitHeaders(res: ServerResponse, plan: SendPlan): void {
  res.statusCode = plan.status;
  for (const [name, value] of plan.headers) res.setHeader(name, value as string | number | readonly string[]);
  // A length set before compression (or before streaming) would be wrong: the body is chunked.
  if (plan.gzip) res.removeHeader('content-length');
}

/** Answers with an error status and a short plain-text body, dropping headers meant for the real body. */
export function answerError(res: ServerResponse, status: number, error: unknown): void {
  const body = errorBody(error, status);
  for (const name of ['content-disposition', 'content-encoding', 'content-length', 'content-type'])
    res.removeHeader(name);
  res.statusCode = status;
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}

/** How the wait for the end of a response ended. */
export type ResponseEnd = 'finished' | 'closed' | 'timed-out' | 'aborted';

/**
 * Waits for the response's `'finish'` (every byte handed to the OS) or `'close'` (the client left
 * first), bounded by an optional deadline and signal; removes every listener and timer it added.
 */
export function responseEnd(
  res: ServerResponse,
  deadlineMs: number | undefined,
  signal: AbortSignal | undefined,
): Promise<ResponseEnd> {
  if (res.writableFinished) return Promise.resolve('finished');
  if (res.destroyed) return Promise.resolve('closed');
  if (signal?.aborted) return Promise.resolve('aborted');
  if (deadlineMs !== undefined && deadlineMs <= 0) return Promise.resolve('timed-out');
  return waitFor<ResponseEnd>((waiting) => {
    waiting.listen(res, 'finish', () => waiting.resolve('finished'));
    waiting.listen(res, 'close', () => waiting.resolve(res.writableFinished ? 'finished' : 'closed'));
    if (signal) waiting.onSettle(onAbort(signal, () => waiting.resolve('aborted')));
    if (deadlineMs !== undefined) {
      const timer = setTimeout(() => waiting.resolve('timed-out'), deadlineMs);
      waiting.onSettle(() => clearTimeout(timer));
    }
  });
}
