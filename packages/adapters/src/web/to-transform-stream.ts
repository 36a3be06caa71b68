import { from, type Stage } from '@sluice/core';
import { validateFunction } from '@sluice/core/kit';
import { InputChannel } from '../internal/web-channel.js';
import { pullStream, validateRunOptions } from '../internal/web-readable.js';
import type { ToReadableStreamOptions } from './to-readable-stream.js';

/** A writable/readable pair running a sluice stage: what `pipeThrough` takes. */
export interface StageStream<In, Out> {
  readonly writable: WritableStream<In>;
  readonly readable: ReadableStream<Out>;
}

/**
 * Runs a sluice stage between a Web `WritableStream` and a `ReadableStream`, for `pipeThrough`.
 *
 * *Contract*
 * - Pull-based: the stage runs when the readable side is read (high-water mark 0). A write
 *   settles once the stage took its chunk, so the writable side holds at most one chunk in
 *   flight plus its queue of one: with `pipeThrough`, the upstream stream is read at most two
 *   chunks ahead of the stage.
 * - Closing the writable side ends the stage's input (it flushes, then the readable closes).
 * - Aborting the writable side with `reason` errors the readable with `reason` and tears the
 *   stage down; cancelling the readable side with `reason` aborts the run and errors the
 *   writable side with `reason` (a `pipeTo` feeding it then cancels its source).
 * - A stage error errors both sides with that error, unchanged. A stage that stops early
 *   (`take`) closes the readable and errors the writable with an `AbortError`, so upstream is
 *   released rather than left waiting.
 * - `options` are the run's (`signal`, `timeout`, `onReport`, `onCleanupError`).
 *
 * @example
 * ```ts doctest
 * const doubled = toReadableStream(from([1, 2, 3])).pipeThrough(
 *   toTransformStream(async function* double(source: AsyncIterable<number>) {
 *     for await (const n of source) yield n * 2;
 *   }),
 * );
 * await fromReadableStream(doubled).toArray(); // => [2, 4, 6]
 * ```
 */
export function toTransformStream<In, Out>(
  stage: Stage<In, Out>,
  options: ToReadableStreamOptions = {},
): StageStream<In, Out> {
  validateFunction(stage as unknown, 'toTransformStream(stage)');
  const runOptions = validateRunOptions(options, 'toTransformStream(stage, options)');
  let writableController: WritableStreamDefaultController | undefined;
  const channel = new InputChannel<In>((reason) => writableController?.error(reason));
  const input = from<In>(function transformStreamInput({ signal }) {
    return channel.iterate(signal);
  });
  const readable = pullStream(input.pipe(stage as Stage<Awaited<In>, Out>), runOptions);
  const writable = new WritableStream<In>(
    {
      start(controller) {
        writableController = controller;
      },
      write(chunk) {
        return channel.write(chunk);
      },
      close() {
        channel.end();
      },
      abort(reason) {
        channel.fail(reason);
        readable.abort(reason);
      },
    },
    { highWaterMark: 1 },
  );
  return { writable, readable: readable.stream };
}
