import { Duplex, Writable, type Readable, type Stream } from 'node:stream';
import { SluiceTypeError, from, type Pipeline, type Sink, type Stage } from '@sluice/core';
import {
  describeValue,
  isThenable,
  kSluiceSink,
  validateBoolean,
  validateInteger,
  validateKeys,
  validateObject,
} from '@sluice/core/kit';
import { fromNodeReadable } from './from-node-readable.js';
import { streamStage } from './stream-stage.js';
import { toNodeWritable } from './to-node-writable.js';

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

/** What `compose()` made of its parts: where the chain starts and ends, and what it must own. */
export interface ComposePlan {
  /** The head when it is a source (a Readable, an iterable, a promise): the Duplex is then not writable. */
  readonly source: Pipeline<unknown> | undefined;
  readonly stages: Stage<unknown, unknown>[];
  /** The tail when it is a sink (a Writable, an async function): the Duplex is then not readable. */
  readonly sink: Sink<unknown, unknown> | undefined;
  /** Every Node stream handed in: destroyed with the Duplex, whatever the run reached. */
  readonly streams: (Readable | Writable)[];
  /** The modes of the head's writable side and the tail's readable side, when they are streams. */
  readonly writableObjectMode: boolean | undefined;
  readonly readableObjectMode: boolean | undefined;
}

/** A coded error with Node's own code, where `compose()` fails as `node:stream`'s does. */
export function nodeCodedError(code: string, message: string): TypeError {
  return Object.assign(new TypeError(message), { code });
}

function isNodeStream(value: unknown): value is Stream {
  const s = value as { on?: unknown; pipe?: unknown; write?: unknown } | null;
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof s.on === 'function' &&
    (typeof s.pipe === 'function' || typeof s.write === 'function')
  );
}

function hasReadableSide(s: Stream): s is Readable {
  return typeof (s as Readable).read === 'function' && (s as Readable).readable !== false;
}

function hasWritableSide(s: Stream): s is Writable {
  return typeof (s as Writable).write === 'function' && (s as Writable).writable !== false;
}

/** A tail function that resolves rather than yields: an `async function`, or a sluice sink. */
function isSinkFunction(fn: object): boolean {
  return fn.constructor?.name === 'AsyncFunction' || (fn as { [kSluiceSink]?: unknown })[kSluiceSink] !== undefined;
}

/** A Web `TransformStream` (or any `{ readable, writable }` pair of Web streams). */
function isWebTransform(value: unknown): value is { readable: ReadableStream; writable: WritableStream } {
  const o = value as { readable?: { getReader?: unknown }; writable?: { getWriter?: unknown } } | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.readable?.getReader === 'function' &&
    typeof o.writable?.getWriter === 'function'
  );
}

function isWebWritable(value: unknown): value is WritableStream {
  return (
    typeof value === 'object' && value !== null && typeof (value as { getWriter?: unknown }).getWriter === 'function'
  );
}

/** Web streams become Node streams (object mode: Web streams carry any value) and are then parts like any other. */
function fromWeb(part: unknown): unknown {
  if (isWebTransform(part)) return Duplex.fromWeb(part, { objectMode: true });
  if (isWebWritable(part)) return Writable.fromWeb(part, { objectMode: true });
  return part;
}

function isIterableInput(value: unknown): boolean {
  if (typeof value === 'string') return true;
  if (typeof value !== 'object' || value === null) return false;
  const o = value as Record<symbol | string, unknown>;
  return (
    typeof o[Symbol.asyncIterator] === 'function' ||
    typeof o[Symbol.iterator] === 'function' ||
    typeof o.getReader === 'function'
  );
}

/** True for the trailing options object: a plain object, never a stream, iterable or generator. */
export function isOptionsObject(value: unknown): boolean {
  if (
    typeof value !== 'object' ||
    value === null ||
    isNodeStream(value) ||
    isIterableInput(value) ||
    isWebTransform(value) ||
    isThenable(value)
  ) {
    return false;
  }
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function misplaced(index: number, part: unknown, why: string): TypeError {
  return nodeCodedError('ERR_INVALID_ARG_VALUE', `compose(): part ${index + 1} (${describeValue(part)}) ${why}`);
}

/**
 * Sorts `compose()`'s parts as `node:stream`'s `compose()` does: functions and Duplex streams
 * anywhere; a Readable or an iterable only first; a Writable or an async function only last.
 * Throws at call time, with Node's codes where Node throws, and sluice's code for a part of
 * the wrong type.
 */
export function planParts(parts: readonly unknown[]): ComposePlan {
  const last = parts.length - 1;
  const stages: Stage<unknown, unknown>[] = [];
  const streams: (Readable | Writable)[] = [];
  let source: Pipeline<unknown> | undefined;
  let sink: Sink<unknown, unknown> | undefined;
  let writableObjectMode: boolean | undefined;
  let readableObjectMode: boolean | undefined;
  parts.forEach((given, i) => {
    const part = fromWeb(given);
    if (typeof part === 'function') {
      if (isSinkFunction(part)) {
        if (i !== last)
          throw misplaced(i, part, 'is a sink (an async function yields nothing), so it can only be last');
        sink = part as Sink<unknown, unknown>;
      } else {
        stages.push(part as Stage<unknown, unknown>);
      }
      return;
    }
    if (isNodeStream(part)) {
      streams.push(part as Readable | Writable);
      const readable = hasReadableSide(part);
      const writable = hasWritableSide(part);
      if (i === 0 && writable) writableObjectMode = (part as Writable).writableObjectMode;
      if (i === last && readable) readableObjectMode = (part as Readable).readableObjectMode;
      if (readable && writable) stages.push(streamStage(part as Duplex));
      else if (readable && i === 0) source = fromNodeReadable(part as Readable);
      else if (writable && i === last) sink = toNodeWritable(part as Writable);
      else
        throw misplaced(
          i,
          given,
          readable ? 'must be writable, as it is not the first part' : 'must be readable, as it is not the last part',
        );
      return;
    }
    if (i === 0 && isThenable(part)) {
      // Never unhandled, even when nothing reads the Duplex; the run still sees the rejection.
      part.then(undefined, () => {});
      source = from(async () => {
        const value = await part;
        return value == null ? [] : [value];
      });
      return;
    }
    if (i === 0 && isIterableInput(part)) {
      // node:stream's compose() iterates a string (as pipeline() does), unlike Readable.from().
      source =
        typeof part === 'string'
          ? from({ [Symbol.iterator]: () => part[Symbol.iterator]() })
          : from(part as Iterable<unknown>);
      return;
    }
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_STAGE',
      `compose(): part ${i + 1} must be a stage function, a Node Duplex or a TransformStream, or (first) a Readable, a ReadableStream, an iterable or a promise, or (last) a Writable, a WritableStream or an async function; got ${describeValue(part)}`,
    );
  });
  return { source, stages, sink, streams, writableObjectMode, readableObjectMode };
}

export function splitArgs(args: readonly unknown[]): { parts: unknown[]; options: ComposeOptions } {
  const last = args[args.length - 1];
  if (args.length > 0 && isOptionsObject(last)) {
    validateObject(last, 'compose(...parts, options)');
    validateKeys(last, OPTION_KEYS, 'compose(...parts, options)');
    return { parts: args.slice(0, -1), options: last as ComposeOptions };
  }
  return { parts: [...args], options: {} };
}

export function duplexOptions(o: ComposeOptions, plan: ComposePlan) {
  const where = 'compose(...parts, options)';
  const bool = (key: 'objectMode' | 'readableObjectMode' | 'writableObjectMode') =>
    o[key] === undefined ? undefined : validateBoolean(o[key], `${where}.${key}`);
  const hwm = (key: 'highWaterMark' | 'readableHighWaterMark' | 'writableHighWaterMark') =>
    o[key] === undefined ? undefined : validateInteger(o[key], `${where}.${key}`, 0);
  const objectMode = bool('objectMode');
  const highWaterMark = hwm('highWaterMark');
  const readableHighWaterMark = hwm('readableHighWaterMark') ?? highWaterMark;
  const writableHighWaterMark = hwm('writableHighWaterMark') ?? highWaterMark;
  return {
    // Like node:stream's compose(): the modes of the head's writable and the tail's readable side.
    readableObjectMode: bool('readableObjectMode') ?? objectMode ?? plan.readableObjectMode ?? true,
    writableObjectMode: bool('writableObjectMode') ?? objectMode ?? plan.writableObjectMode ?? true,
    readable: plan.sink === undefined,
    writable: plan.source === undefined,
    ...(readableHighWaterMark === undefined ? {} : { readableHighWaterMark }),
    ...(writableHighWaterMark === undefined ? {} : { writableHighWaterMark }),
  };
}
