import type { Pipeline, RunOptions } from '@sluice/core';
import { assertPipeline, pullStream, validateRunOptions } from '../internal/web-readable.js';

/** Options of `toReadableStream`: the run's options (`signal`, `timeout`, `onReport`, `onCleanupError`). */
export type ToReadableStreamOptions = RunOptions;

/**
 * Exposes a pipeline as a Web `ReadableStream`, pulled one item at a time.
 *
 * *Contract*
 * - Lazy: the run starts on the first read; a stream that is never read opens nothing.
 * - No read-ahead: the stream's high-water mark is 0, so each read pulls exactly one item
 *   (from the batch the source already cut, like any consumer of the pipeline).
 * - Items keep their order and identity; a run error errors the stream with that error,
 *   unchanged, and a timeout or the caller's abort errors it with `signal.reason`.
 * - `cancel(reason)` aborts the run with `reason`: the source is released at once, even when a
 *   pull is stuck in a stage. Cancelling before the first read opens nothing.
 * - One stream is one run. No listener stays on the caller's signal once the run settled.
 *
 * @example
 * ```ts doctest
 * const stream = toReadableStream(from(['a', 'b', 'c']));
 * const seen: string[] = [];
 * for await (const item of stream) seen.push(item);
 * seen; // => ['a', 'b', 'c']
 * ```
 */
export function toReadableStream<T>(pipeline: Pipeline<T>, options: ToReadableStreamOptions = {}): ReadableStream<T> {
  assertPipeline(pipeline, 'toReadableStream(pipeline)');
  return pullStream(pipeline, validateRunOptions(options, 'toReadableStream(pipeline, options)')).stream;
}
