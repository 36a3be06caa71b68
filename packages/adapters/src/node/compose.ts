import { Duplex, type Readable, type Writable } from 'node:stream';
import { fromResource, type Pipeline, type Sink, type Stage } from '@sluice/core';
import { onAbort, validateSignal } from '@sluice/core/kit';
import { duplexOptions, nodeCodedError, planParts, splitArgs, type ComposeOptions } from './compose-parts.js';
import { InputQueue } from './input-queue.js';

export type { ComposeOptions } from './compose-parts.js';

type Part =
  | Stage<any, any>
  | Sink<any, any>
  | Duplex
  | Readable
  | Writable
  | AsyncIterable<unknown>
  | Iterable<unknown>
  | PromiseLike<unknown>
  | ReadableStream
  | WritableStream
  | { readonly readable: ReadableStream; readonly writable: WritableStream };

function destroyedReason(): DOMException {
  return new DOMException('The composed Duplex was destroyed', 'AbortError');
}

/** `push(null)` would end the stream silently: a stage yielding null is an error, as in `Readable.from()`. */
function nullValueError(): TypeError {
  return nodeCodedError(
    'ERR_STREAM_NULL_VALUES',
    'A stage of the composed Duplex yielded null, which a Node stream cannot carry',
  );
}

/**
 * A drop-in for `node:stream`'s `compose()`: packages stages and streams as one Node `Duplex`
 * — write input to it, read the output from it, use it anywhere a Duplex goes
 * (`stream.pipeline()`, `.pipe()`, `for await`) — and tears every part down on every path on
 * Node 20, 22, 24 and 26, where Node's own leaks and hangs.
 *
 * Contract:
 * - Parts, as Node accepts them: stage functions (`async function* (source, { signal })`,
 *   sluice operators, `chain()`s) and Node Duplex/Transform streams anywhere; first, a Readable,
 *   an async iterable or an iterable (a string is iterated, as Node does); last, a Writable or
 *   a sink (an `async function (source, { signal })`, or a sluice sink such as `forEach`). Web
 *   streams too: a `TransformStream` anywhere, a `ReadableStream` first, a `WritableStream`
 *   last (carried in object mode). A trailing plain object is the options; an iterator or a
 *   stream never is. A promise first is a source of its one value (none if nullish). Not
 *   taken, unlike `Duplex.from()`: a Blob, a `{ readable, writable }` pair of Node streams.
 * - The sides follow the ends, as in Node: a Readable or iterable head makes it read-only
 *   (`writable === false`), a Writable or sink tail write-only (`readable === false`); with
 *   both it runs at once, emits no data and closes when done. The object modes are those of
 *   the head's writable and the tail's readable side (stage functions: object mode).
 * - `compose()` throws a `TypeError` coded `ERR_MISSING_ARGS`; a stream in a position it
 *   cannot take `ERR_INVALID_ARG_VALUE` (Node's codes); any other part
 *   `ERR_SLUICE_INVALID_STAGE`. `compose(duplex)` returns that Duplex, as Node does.
 * - Order is kept. The stages run on sluice's runner (fused and batched: the chunks of one
 *   `writev` travel as one batch). Read-ahead is bounded by the documented buffers only: at
 *   most `writableHighWaterMark` written chunks wait in Node's writable buffer, one write is
 *   being taken by the chain, at most `readableHighWaterMark` outputs wait to be read, and a
 *   Duplex part holds what its own buffers hold. A write's callback runs when the chain takes
 *   its chunks, so `write()` returns `false` and `'drain'` comes exactly as with a `Transform`.
 * - Nothing runs until the readable side is first read (the first write, for a write-only one).
 * - Input the chain will never read (it ended early: a `take`, a stage that ignores its input)
 *   is accepted and discarded, so the writer finishes and `stream.pipeline()` completes (Node's
 *   own compose hangs there). A write-only Duplex emits `'finish'` once its sink has finished.
 * - `destroy()` aborts the chain (stages see their signal aborted), waits for the stages'
 *   cooperative cleanup, then emits `'close'` — never `'error'`. `destroy(err)` does the same
 *   and emits `err` unchanged. A `break` out of `for await` over the Duplex destroys it the
 *   way Node does for any readable.
 * - The first error wins and is emitted unchanged: a stage's, or a part stream's `'error'`. A
 *   `null` output (which Node would read as the end) is a `TypeError` coded
 *   `ERR_STREAM_NULL_VALUES`; a sink that resolves to a value is one coded
 *   `ERR_INVALID_RETURN_VALUE`, as in Node (a Duplex has nowhere to put it).
 * - Every Node stream handed in is destroyed (without an error event) once the Duplex closes,
 *   even a part the run never reached. Emits `'close'` on every path. Each call returns a new
 *   Duplex; stage functions are reusable, streams are not.
 *
 * @example
 * ```ts doctest
 * const double = compose(map((n: number) => n * 2));
 * const out: number[] = [];
 * await pipeline(Readable.from([1, 2, 3]), double, new Writable({
 *   objectMode: true,
 *   write(n, _enc, cb) { out.push(n); cb(); },
 * }));
 * out; // => [2, 4, 6]
 * ```
 */
export function compose(...args: [...parts: Part[], options: ComposeOptions] | Part[]): Duplex {
  const { parts, options } = splitArgs(args);
  if (parts.length === 0) {
    throw nodeCodedError(
      'ERR_MISSING_ARGS',
      'compose() needs at least one part: a stage, a stream, an iterable or a sink',
    );
  }
  const only = parts[0] as Partial<Duplex>;
  if (args.length === 1 && only instanceof Duplex && only.readable !== false && only.writable !== false) return only;
  const plan = planParts(parts);
  const modes = duplexOptions(options, plan);
  const signal =
    options.signal === undefined ? undefined : validateSignal(options.signal, 'compose(...parts, options).signal');
  const queue = modes.writable ? new InputQueue<unknown>() : undefined;
  const input: Pipeline<unknown> =
    plan.source ??
    fromResource<InputQueue<unknown>, unknown>({
      name: 'compose input',
      open: () => queue!,
      read: (q, ctx) => q.take(ctx.signal),
      close: (q) => q.close(),
    });
  const chainPipeline = plan.stages.reduce((pipeline, stage) => pipeline.pipe(stage), input);
  const controller = new AbortController();
  let output: AsyncIterator<unknown> | undefined;
  let sinkRun: Promise<void> | undefined;
  let sinkFinished = false;
  let onSinkFinished: (() => void) | undefined;
  let pumping = false;
  let wanted = false;

  const pump = async () => {
    pumping = true;
    try {
      output ??= chainPipeline.iterate({ signal: controller.signal });
      while (wanted && !duplex.destroyed) {
        wanted = false;
        const r = await output.next();
        if (duplex.destroyed) return;
        if (r.done) {
          // The chain will take no more input: release the writer.
          queue?.close();
          duplex.push(null);
          return;
        }
        if (r.value === null) throw nullValueError();
        // push() returning true asks for more; otherwise Node calls _read again once drained.
        if (duplex.push(r.value)) wanted = true;
      }
    } catch (error) {
      if (!duplex.destroyed) duplex.destroy(error as Error);
    } finally {
      pumping = false;
    }
  };

  const startSink = () => {
    sinkRun ??= chainPipeline
      .to(plan.sink!, { signal: controller.signal })
      .then((value) => {
        if (value != null) {
          throw nodeCodedError(
            'ERR_INVALID_RETURN_VALUE',
            `compose(): the sink resolved to ${typeof value}, which a Duplex cannot hand on; resolve to undefined, or run the pipeline with .to(sink)`,
          );
        }
        sinkFinished = true;
        queue?.close();
        onSinkFinished?.();
        if (!modes.writable && !duplex.destroyed) duplex.destroy();
      })
      .catch((error: unknown) => {
        if (!duplex.destroyed) duplex.destroy(error as Error);
      });
  };

  const onPartError = (error: Error) => {
    if (!duplex.destroyed) duplex.destroy(error);
  };
  for (const part of plan.streams) part.on('error', onPartError);
  const releaseParts = () => {
    for (const part of plan.streams) {
      if (!part.destroyed) part.destroy();
      // A part destroyed with an error emits it on a later tick: keep the listener until 'close'.
      if ((part as Readable).closed) part.off('error', onPartError);
      else part.once('close', () => part.off('error', onPartError));
    }
  };

  const duplex: Duplex = new Duplex({
    ...modes,
    read() {
      wanted = true;
      if (!pumping) void pump();
    },
    write(chunk, _encoding, callback) {
      if (plan.sink) startSink();
      queue!.offer([chunk], callback);
    },
    writev(chunks, callback) {
      if (plan.sink) startSink();
      queue!.offer(
        chunks.map((c) => c.chunk),
        callback,
      );
    },
    final(callback) {
      if (!plan.sink) {
        queue!.end(callback);
        return;
      }
      startSink();
      queue!.end(() => {});
      if (sinkFinished) callback();
      else onSinkFinished = () => callback();
    },
    destroy(error, callback) {
      unlinkSignal();
      // Abort first: the stages must see an abort, not the end of their input.
      if (output || sinkRun) controller.abort(error ?? destroyedReason());
      queue?.close();
      const running = output ? output.return!() : sinkRun;
      // Settles once every stage was returned (a stuck stage is left to the runner's late cleanup).
      const done = () => {
        releaseParts();
        callback(error);
      };
      if (running) running.then(done, done);
      else done();
    },
  });

  let unlinkSignal = () => {};
  // Already aborted: destroyed a tick later, once the caller holds the duplex (and its 'error' listener).
  if (signal?.aborted) process.nextTick(() => duplex.destroy(signal.reason));
  else if (signal) unlinkSignal = onAbort(signal, (reason) => duplex.destroy(reason as Error));
  // Nothing will read or write it: like node:stream's compose(), it runs at once.
  if (!modes.readable && !modes.writable) startSink();
  return duplex;
}
