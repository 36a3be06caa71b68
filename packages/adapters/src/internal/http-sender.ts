import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Pipeline, RunOptions, RunReport } from '@sluice/core';
import { defineBatchSink, onAbort, timeoutReason, warnReportError } from '@sluice/core/kit';
import type { SendOutcome, SendReport } from '../http/send-pipeline.js';
import { FlushTracker, socketGone, waitForDrain } from '../node/write.js';
import { ClientGoneError, DestinationClosedError } from './errors.js';
import { errorStatus, type SendPlan } from './http-options.js';
import { answerError, commitHeaders, responseEnd } from './http-response.js';
import { bodyChunks, type BodyChunk } from './web-chunks.js';

/** Consecutive string chunks are joined into writes of about this many characters. */
const COALESCE_CHARS = 16 * 1024;

/**
 * One response being sent by `sendPipeline`: owns the run's AbortController (linked to the
 * caller's signal, the client leaving and a foreign end of `res` by listeners it removes again),
 * the pump into `res`, and the classification of how it ended.
 */
export class Sender {
  private readonly controller = new AbortController();
  private stopped: { readonly outcome: SendOutcome; readonly error: unknown } | undefined;
  private endedByUs = false;
  private committed = false;
  private bytes = 0;
  private chunks = 0;
  private readonly startedAt = performance.now();

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly pipeline: Pipeline<BodyChunk>,
    private readonly plan: SendPlan,
  ) {}

  private stop(outcome: SendOutcome, error: unknown): void {
    if (this.stopped) return;
    this.stopped = { outcome, error };
    this.controller.abort(error);
  }

  private readonly onClose = () => {
    if (!this.res.writableFinished) this.stop('client-gone', new ClientGoneError());
  };
  private readonly onFinish = () => {
    if (!this.endedByUs)
      this.stop(
        'destination-closed',
        new DestinationClosedError('Someone else ended the response before the pipeline finished'),
      );
  };
  private readonly onError = (error: Error) => this.stop('destination-closed', error);
  /**
   * How a client that left shows while the run does not yield to the event loop: `res` emits
   * `'close'` only after its socket's `'close'`, a turn later. The first failed write errors the
   * socket at once (checked before each batch, `clientLeft`); its callback error comes a tick
   * later, when the pump waits for a flush; Node 20 then returns false from every write and
   * 22/24 true, neither ever waits for the event loop.
   */
  private readonly flushes = new FlushTracker(() => {
    if (this.res.writableEnded && !this.endedByUs) this.onFinish();
    else this.stop('client-gone', this.goneError());
  });

  /** The client's socket failed or was destroyed (reset, or gone before `res` could say so). */
  private clientLeft(): boolean {
    return this.res.destroyed || socketGone(this.res.socket);
  }

  /** A `ClientGoneError` whose `cause` is what showed it, when something did. */
  private goneError(): ClientGoneError {
    const cause = this.flushes.failure?.error ?? this.res.socket?.errored;
    return new ClientGoneError(undefined, cause == null ? undefined : { cause });
  }

  private lastWrite = 0;

  /** Stops the run when the response was taken away: ended by someone else, or its client left. */
  private noticeGone(): void {
    if (this.res.writableEnded) this.onFinish();
    else if (this.clientLeft()) this.stop('client-gone', this.goneError());
  }

  /** Writes from `batch[from]` on until `write()` asks to wait; returns the index to resume at. */
  private writeSome(batch: readonly BodyChunk[], from: number, signal: AbortSignal): number {
    const res = this.res;
    this.noticeGone();
    if (signal.aborted) throw signal.reason;
    if (!this.committed) {
      commitHeaders(res, this.plan);
      this.committed = true;
    }
    const corked = batch.length - from > 1;
    if (corked) res.cork();
    let i = from;
    let ok = true;
    while (ok && i < batch.length) {
      const start = i;
      let chunk = batch[i++]!;
      if (typeof chunk === 'string') {
        // Small strings (a row each) go out as one write: one chunk frame and one buffer instead of
        // one per row, which makes a write of a CSV row several times cheaper.
        let length = chunk.length;
        while (i < batch.length && length < COALESCE_CHARS && typeof batch[i] === 'string')
          length += (batch[i++] as string).length;
        if (i - start > 1) chunk = batch.slice(start, i).join('');
      }
      this.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
      this.chunks += i - start;
      ok = res.write(chunk, this.flushes.callback);
      this.lastWrite = this.flushes.wrote();
    }
    if (corked) res.uncork();
    return i;
  }

  private readonly sink = defineBatchSink<BodyChunk, void>('http response', async (batches, { signal }) => {
    for await (const batch of batches) {
      let i = 0;
      while (i < batch.length) {
        i = this.writeSome(batch, i, signal);
        // Raced with the flush of the last write: Node 26 may never emit 'drain' here.
        if (this.res.writableNeedDrain) {
          await waitForDrain(this.res, signal, this.flushes.until(this.lastWrite)).catch((error: unknown) => {
            // The socket's own error (EPIPE) is not the run's failure: the client left.
            this.noticeGone();
            throw error;
          });
        }
      }
    }
  });

  private async runPipeline(): Promise<RunReport> {
    let report: RunReport | undefined;
    const options: RunOptions = {
      signal: this.controller.signal,
      onReport: (r) => (report = r),
      ...this.plan.progress,
      ...(this.plan.timeout === undefined ? {} : { timeout: this.plan.timeout }),
    };
    // HEAD: Node drops the body anyway, so the source is never opened (the run reports 'stopped').
    const run =
      this.req.method === 'HEAD'
        ? this.pipeline.to(async () => undefined, options)
        : (this.plan.gzip
            ? // Loaded only when a response is compressed: the http subpath does not load node:zlib otherwise.
              // 64 KiB per zlib write: a server holds one such buffer per open response.
              this.pipeline.pipe(
                bodyChunks('sendPipeline()'),
                (await import('@sluice/operators')).gzip({ chunkSize: 64 * 1024 }),
              )
            : this.pipeline.pipe(bodyChunks('sendPipeline()'))
          ).to(this.sink, options);
    await run.catch(() => undefined);
    return report!;
  }

  private async finishResponse(run: RunReport): Promise<{ outcome: SendOutcome; error?: unknown }> {
    const { res, plan } = this;
    const stopped = this.stopped;
    // The response is gone or someone else's: there is nothing left to answer.
    if (stopped && stopped.outcome !== 'aborted') return stopped;
    if (run.outcome === 'completed' || run.outcome === 'stopped') {
      if (this.clientLeft()) return { outcome: 'client-gone', error: this.goneError() };
      if (!res.headersSent) commitHeaders(res, plan);
      this.endedByUs = true;
      res.end();
      const left = plan.timeout === undefined ? undefined : plan.timeout - (performance.now() - this.startedAt);
      const how = await responseEnd(res, left, plan.signal);
      // Node emits 'finish' even when the last writes failed on a reset socket.
      if (how === 'finished' && !this.flushes.failure) return { outcome: 'completed' };
      if (how === 'finished' || how === 'closed') return { outcome: 'client-gone', error: this.goneError() };
      res.destroy();
      return how === 'timed-out'
        ? { outcome: 'timed-out', error: timeoutReason(plan.timeout!) }
        : { outcome: 'aborted', error: plan.signal?.reason };
    }
    const outcome: SendOutcome =
      run.outcome === 'timed-out' ? 'timed-out' : run.outcome === 'failed' ? 'failed' : 'aborted';
    if (!res.headersSent && !res.destroyed && !res.writableEnded) {
      this.endedByUs = true;
      answerError(res, errorStatus(run.error, outcome === 'failed' ? 500 : 503), run.error);
      await responseEnd(res, undefined, undefined);
    } else if (!res.destroyed) {
      // After the first byte no status can be sent: a broken transfer, never a truncated 200.
      res.destroy();
    }
    return { outcome, error: run.error };
  }

  async send(): Promise<SendReport> {
    const { res, plan } = this;
    res.on('close', this.onClose);
    res.on('finish', this.onFinish);
    res.on('error', this.onError);
    if (res.destroyed) this.onClose();
    const unlinkSignal = plan.signal ? onAbort(plan.signal, (reason) => this.stop('aborted', reason)) : () => undefined;
    let result: { outcome: SendOutcome; error?: unknown };
    let run: RunReport;
    try {
      run = await this.runPipeline();
      result = await this.finishResponse(run);
    } catch (error) {
      // Not a pipeline failure (those are results): never leave the client waiting on an open response.
      if (!res.destroyed && !res.writableEnded) res.destroy();
      throw error;
    } finally {
      res.off('close', this.onClose);
      res.off('finish', this.onFinish);
      res.off('error', this.onError);
      unlinkSignal();
    }
    const report: SendReport = {
      outcome: result.outcome,
      ...(result.outcome === 'completed' ? {} : { error: result.error }),
      headersSent: res.headersSent,
      status: res.headersSent ? res.statusCode : 0,
      encoding: plan.gzip ? 'gzip' : 'identity',
      bytes: this.bytes,
      chunks: this.chunks,
      run,
    };
    try {
      plan.onReport?.(report);
    } catch (error) {
      warnReportError(error, 'sendPipeline onReport');
    }
    if (report.outcome === 'failed') throw report.error;
    return report;
  }
}
