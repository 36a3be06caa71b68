import type { Duplex } from 'node:stream';
import type { Stage } from '@sluice/core';
import { onAbort } from '@sluice/core/kit';
import { write } from './write.js';

/**
 * Writes the stage's input into the stream, honouring backpressure, and ends it after the last
 * item. Never rejects: a failure of the input (an upstream stage's error) destroys the stream
 * with that error, so the reading side surfaces it unchanged; a failure of the stream itself is
 * already the stream's error.
 */
async function feed(stream: Duplex, input: AsyncIterator<unknown>, signal: AbortSignal): Promise<void> {
  let upstreamFailed = true;
  try {
    for (;;) {
      const r = await input.next();
      if (r.done) break;
      upstreamFailed = false;
      await write(stream, r.value, { signal });
      upstreamFailed = true;
    }
    if (!stream.destroyed) stream.end();
  } catch (error) {
    if (stream.destroyed) return;
    // An abort is the run's business, not the stream's: it is closed without an error event.
    if (upstreamFailed && !signal.aborted) stream.destroy(error as Error);
    else stream.destroy();
  }
}

/**
 * A Node Duplex (a Transform, a zlib stream, another composed Duplex) as a sluice stage: the
 * stage's input is written into the stream's writable side and the stream's readable side is
 * the stage's output. The stream is destroyed (without an error event) when the stage ends
 * early, fails or is aborted, and the input is returned exactly once, by the runner's link.
 */
export function streamStage(stream: Duplex): Stage<unknown, unknown> {
  return async function* nodeStreamStage(source, { signal }) {
    const input = source[Symbol.asyncIterator]();
    let feeding = true;
    void feed(stream, input, signal).then(() => (feeding = false));
    // The stage may be parked in the stream's read when the run is torn down: wake it.
    const unlink = onAbort(signal, () => stream.destroy());
    try {
      // Not the default iterator: its return() destroys the stream with an AbortError event,
      // which would race the run's own error to be the first.
      for await (const chunk of stream.iterator({ destroyOnReturn: false })) yield chunk;
    } catch (error) {
      // Our own destroy() on abort ends the read with a premature close: that is the abort
      // itself (the run knows its reason), not an error of the stream to report.
      if (signal.aborted && (error as { code?: unknown } | null)?.code === 'ERR_STREAM_PREMATURE_CLOSE')
        throw signal.reason;
      throw error;
    } finally {
      unlink();
      if (!stream.destroyed) stream.destroy();
      // The feed may be waiting on a pull from upstream: returning the input ends it (the
      // runner's link defers and tracks that return), and the feed then stops on its own.
      if (feeding) await input.return?.();
    }
  };
}
