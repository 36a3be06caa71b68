import { Duplex } from 'node:stream';
import {
  fromResource,
  validateBoolean,
  validateInteger,
  validateKeys,
  validateObject,
  validateSignal,
  type Pipeline,
  type Stage,
} from '@sluice/core';
import { InputQueue } from './input-queue.js';

/** Options of `compose()`: the Duplex's modes and buffers, as in `new Duplex()`. */
export interface ComposeOptions {
  /** Object mode on both sides. Default `true` (stages usually move objects). */
  readonly objectMode?: boolean;
  readonly readableObjectMode?: boolean;
  readonly writableObjectMode?: boolean;
  /** Node's buffer on both sides (items in object mode, bytes otherwise). Default: Node's default. */
  readonly highWaterMark?: number;
  readonly readableHighWaterMark?: number;
  readonly writableHighWaterMark?: number;
  /** Aborting it destroys the Duplex with `signal.reason` (unchanged, as sluice rejects runs). */
  readonly signal?: AbortSignal;
}

const OPTION_KEYS = [
  'objectMode',
  'readableObjectMode',
  'writableObjectMode',
  'highWaterMark',
  'readableHighWaterMark',
  'writableHighWaterMark',
  'signal',
] as const;

type StageOrOptions = Stage<any, any> | ComposeOptions;

function destroyedReason(): DOMException {
  return new DOMException('The composed Duplex was destroyed', 'AbortError');
}

/** `push(null)` would end the stream silently: a stage yielding null is an error, as in `Readable.from()`. */
function nullValueError(): TypeError {
  return Object.assign(new TypeError('A stage of the composed Duplex yielded null, which a Node stream cannot carry'), {
    code: 'ERR_STREAM_NULL_VALUES',
  });
}

function splitArgs(args: readonly StageOrOptions[]): { stages: Stage<any, any>[]; options: ComposeOptions } {
  const last = args[args.length - 1];
  if (last !== undefined && typeof last !== 'function') {
    validateObject(last, 'compose(...stages, options)');
    validateKeys(last, OPTION_KEYS, 'compose(...stages, options)');
    return { stages: args.slice(0, -1) as Stage<any, any>[], options: last };
  }
  return { stages: args as Stage<any, any>[], options: {} };
}

function duplexOptions(o: ComposeOptions) {
  const where = 'compose(...stages, options)';
  const bool = (key: 'objectMode' | 'readableObjectMode' | 'writableObjectMode') =>
    o[key] === undefined ? undefined : validateBoolean(o[key], `${where}.${key}`);
  const hwm = (key: 'highWaterMark' | 'readableHighWaterMark' | 'writableHighWaterMark') =>
    o[key] === undefined ? undefined : validateInteger(o[key], `${where}.${key}`, 0);
  const objectMode = bool('objectMode') ?? true;
  const highWaterMark = hwm('highWaterMark');
  const readableHighWaterMark = hwm('readableHighWaterMark') ?? highWaterMark;
  const writableHighWaterMark = hwm('writableHighWaterMark') ?? highWaterMark;
  return {
    readableObjectMode: bool('readableObjectMode') ?? objectMode,
    writableObjectMode: bool('writableObjectMode') ?? objectMode,
    ...(readableHighWaterMark === undefined ? {} : { readableHighWaterMark }),
    ...(writableHighWaterMark === undefined ? {} : { writableHighWaterMark }),
  };
}

/**
 * Packages a chain of sluice stages as a Node `Duplex`: write input to it, read the chain's
 * output from it, use it anywhere a Duplex goes — `stream.pipeline()`, `.pipe()`, `for await`.
 * Unlike Node's `compose()`, it tears every stage down on every path on Node 20, 22 and 24.
 *
 * Contract:
 * - Order is kept. The stages run on sluice's runner (fused and batched: the chunks of one
 *   `writev` travel as one batch). Read-ahead is bounded by the documented buffers only: at
 *   most `writableHighWaterMark` written chunks wait in Node's writable buffer, one write is
 *   being taken by the chain, and at most `readableHighWaterMark` outputs wait to be read.
 *   A write's callback runs when the chain takes its chunks, so `write()` returns `false` and
 *   `'drain'` comes exactly as with a `Transform`.
 * - Nothing runs until the readable side is first read.
 * - `destroy()` aborts the chain (stages see their signal aborted), waits for the stages'
 *   cooperative cleanup, then emits `'close'` — never `'error'`. `destroy(err)` does the same
 *   and emits `err` unchanged. A `break` out of `for await` over the Duplex destroys it the
 *   way Node does for any readable.
 * - A stage's error destroys the Duplex with that error (unchanged). A `null` output (which
 *   Node would read as the end) destroys it with a `TypeError` coded `ERR_STREAM_NULL_VALUES`.
 * - When the chain ends early (a `take` last), the readable side ends cleanly after the
 *   outputs it produced; later writes are accepted and discarded so the writer can finish.
 * - Emits `'close'` on every path. Each call returns a new Duplex; the stages are reusable.
 *
 * @example
 * ```ts
 * const double = compose(map((n: number) => n * 2));
 * const out: number[] = [];
 * await pipeline(Readable.from([1, 2, 3]), double, new Writable({
 *   objectMode: true,
 *   write(n, _enc, cb) { out.push(n); cb(); },
 * }));
 * // out: [2, 4, 6]
 * ```
 */
export function compose(...args: [...stages: Stage<any, any>[], options: ComposeOptions] | Stage<any, any>[]): Duplex {
  const { stages, options } = splitArgs(args);
  const modes = duplexOptions(options);
  const signal = options.signal === undefined ? undefined : validateSignal(options.signal, 'compose(...stages, options).signal');
  const queue = new InputQueue<unknown>();
  const input: Pipeline<unknown> = fromResource<InputQueue<unknown>, unknown>({
    name: 'compose input',
    open: () => queue,
    read: (q, ctx) => q.take(ctx.signal),
    close: (q) => q.close(),
  });
  const chainPipeline = (input.pipe as (...s: Stage<any, any>[]) => Pipeline<unknown>).apply(input, stages);
  const controller = new AbortController();
  let output: AsyncIterator<unknown> | undefined;
  let pumping = false;
  let wanted = false;

  const pump = async (duplex: Duplex) => {
    pumping = true;
    try {
      output ??= chainPipeline.iterate({ signal: controller.signal });
      while (wanted && !duplex.destroyed) {
        wanted = false;
        const r = await output.next();
        if (duplex.destroyed) return;
        if (r.done) {
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

  const duplex = new Duplex({
    ...modes,
    read() {
      wanted = true;
      if (!pumping) void pump(this);
    },
    write(chunk, _encoding, callback) {
      queue.offer([chunk], callback);
    },
    writev(chunks, callback) {
      queue.offer(
        chunks.map((c) => c.chunk),
        callback,
      );
    },
    final(callback) {
      queue.end(callback);
    },
    destroy(error, callback) {
      unlinkSignal();
      // Abort first: the stages must see an abort, not the end of their input.
      if (output) controller.abort(error ?? destroyedReason());
      queue.close();
      if (!output) {
        callback(error);
        return;
      }
      // Settles once every stage was returned (a stuck stage is left to the runner's late cleanup).
      output.return!().then(
        () => callback(error),
        () => callback(error),
      );
    },
  });

  let unlinkSignal = () => {};
  if (signal) {
    const onAbort = () => duplex.destroy(signal.reason);
    if (signal.aborted) process.nextTick(onAbort);
    else {
      signal.addEventListener('abort', onAbort, { once: true });
      unlinkSignal = () => signal.removeEventListener('abort', onAbort);
    }
  }
  return duplex;
}
