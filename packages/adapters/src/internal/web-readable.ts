import { SluiceTypeError, type Pipeline, type RunOptions } from '@sluice/core';
import { describeValue, isPipeline, onAbort, validateRunOptions } from '@sluice/core/kit';

export { validateRunOptions };

export function assertPipeline(value: unknown, where: string): void {
  if (!isPipeline(value)) {
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_ARGUMENT',
      `${where}: pipeline must be a sluice Pipeline (from(...)), got ${describeValue(value)}`,
    );
  }
}

/** A pull-based `ReadableStream` over one run, plus a way to error it from outside. */
export interface PullStream<T> {
  readonly stream: ReadableStream<T>;
  /** Errors the stream with `reason` and aborts its run (if it started). */
  abort(reason: unknown): void;
}

/**
 * A `ReadableStream` whose every `pull()` pulls one item from a run of `pipeline`, started on
 * the first read (high-water mark 0: nothing is read ahead). `cancel(reason)` aborts the run
 * with `reason` (the source is released at once, even when a pull is stuck); a run error
 * errors the stream with that error, unchanged. The caller's signal is linked only while the
 * run is live, by a listener that is removed when it settles.
 */
export function pullStream<T>(pipeline: Pipeline<T>, options: RunOptions): PullStream<T> {
  const controller = new AbortController();
  const parent = options.signal;
  let it: AsyncIterator<T> | undefined;
  let stream: ReadableStreamDefaultController<T> | undefined;
  let finished = false;
  let unlink = () => {};
  const start = () => {
    if (parent) unlink = onAbort(parent, (reason) => controller.abort(reason));
    return pipeline.iterate({
      ...options,
      signal: controller.signal,
      onReport(report) {
        unlink();
        options.onReport?.(report);
      },
    });
  };
  const abort = (reason: unknown) => {
    if (finished) return;
    finished = true;
    stream?.error(reason);
    if (!it) return;
    controller.abort(reason);
    void it.return?.().catch(() => undefined);
  };
  const readable = new ReadableStream<T>(
    {
      start(c) {
        stream = c;
      },
      async pull(c) {
        it ??= start();
        let r: IteratorResult<T>;
        try {
          r = await it.next();
        } catch (error) {
          if (!finished) c.error(error);
          finished = true;
          return;
        }
        if (finished) return;
        if (r.done) {
          finished = true;
          c.close();
        } else c.enqueue(r.value);
      },
      async cancel(reason) {
        finished = true;
        if (!it) return;
        controller.abort(reason);
        // Settles the run; it rejects with the reason, which the canceller already knows.
        await it.return?.().catch(() => undefined);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream: readable, abort };
}
