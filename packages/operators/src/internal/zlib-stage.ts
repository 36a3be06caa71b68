import type { Buffer } from 'node:buffer';
import type { Transform } from 'node:stream';
import zlib from 'node:zlib';
import {
  Notifier,
  defineBatchStage,
  validateInteger,
  validateObject,
  validateKeys,
  type FusableStage,
} from '@sluice/core/kit';
import { Coalescer } from './coalesce.js';

/**
 * Drives one zlib Transform from an async generator. At most one coalesced chunk is inside zlib
 * at a time: the next is written only after zlib called back for the previous one (zlib's own
 * backpressure: that callback waits while its readable side is full). Output is collected in
 * flowing mode and handed over in batches; past `limit` bytes zlib is paused until the consumer
 * takes them, so neither side buffers more than about `limit` plus zlib's highWaterMark.
 */
export class ZlibPump {
  private out: Buffer[] = [];
  private outBytes = 0;
  private writing = false;
  private ended = false;
  private failure: { readonly error: unknown } | undefined;
  private readonly changed = new Notifier();
  private readonly notify = (): void => this.changed.notify();

  constructor(
    private readonly stream: Transform,
    private readonly signal: AbortSignal,
    private readonly limit: number,
  ) {
    stream.on('data', (chunk: Buffer) => {
      this.out.push(chunk);
      this.outBytes += chunk.length;
      if (this.outBytes >= limit) stream.pause();
      this.notify();
    });
    // Stays attached after close(): a destroyed zlib stream must never raise an unhandled 'error'.
    stream.on('error', (error: unknown) => {
      this.failure ??= { error };
      this.notify();
    });
    stream.on('end', () => {
      this.ended = true;
      this.notify();
    });
  }

  /** Writes `chunk` once zlib is done with the previous one, yielding output meanwhile. */
  async *write(chunk: Uint8Array): AsyncGenerator<Buffer[], void, undefined> {
    yield* this.settle(false);
    this.writing = true;
    this.stream.write(chunk, () => {
      this.writing = false;
      this.notify();
    });
  }

  /** Waits until zlib is done with the chunk in flight (or, with `untilEnd`, has ended), yielding full output batches. */
  async *settle(untilEnd: boolean): AsyncGenerator<Buffer[], void, undefined> {
    for (;;) {
      if (this.failure) throw this.failure.error;
      if (this.signal.aborted) throw this.signal.reason;
      if (this.outBytes >= this.limit) yield this.take();
      else if (untilEnd ? this.ended : !this.writing) return;
      // Rejects with signal.reason on abort; its listener lives only while it waits.
      else await this.changed.wait(this.signal);
    }
  }

  /** Ends zlib's input and yields everything it still produces. */
  async *finish(): AsyncGenerator<Buffer[], void, undefined> {
    yield* this.settle(false);
    this.stream.end();
    yield* this.settle(true);
    if (this.outBytes > 0) yield this.take();
  }

  get hasOutput(): boolean {
    return this.outBytes > 0;
  }

  /** Hands over the output collected so far and lets zlib go on. */
  take(): Buffer[] {
    const batch = this.out;
    this.out = [];
    this.outBytes = 0;
    if (this.stream.isPaused()) this.stream.resume();
    return batch;
  }

  /** Releases the zlib handle (idempotent): on completion, error, abort and early exit alike. */
  close(): void {
    this.stream.destroy();
  }
}

export interface ZlibStageSpec {
  readonly name: string;
  readonly create: () => Transform;
  /** Coalescing size in bytes (code units for strings). */
  readonly chunkSize: number;
  readonly acceptStrings: boolean;
  /**
   * Hold input across batches until `chunkSize` is reached (gzip: deflate holds its output anyway,
   * so waiting for more input costs no latency), or write each batch's rest at once and wait for its
   * output (gunzip: decompressed data must not wait for the next compressed chunk).
   */
  readonly holdAcrossBatches: boolean;
  /** An input without a single byte gives no output instead of zlib's "unexpected end of file" (gunzip). */
  readonly emptyInputIsEmpty: boolean;
}

/** A batch stage that coalesces its input and runs it through a fresh zlib stream per run. */
export function zlibStage<In>(spec: ZlibStageSpec): FusableStage<In, Buffer> {
  return defineBatchStage<In, Buffer>(spec.name, async function* zlibBatches(batches, { signal }) {
    const pump = new ZlibPump(spec.create(), signal, spec.chunkSize);
    try {
      const coalescer = new Coalescer(spec.chunkSize, `${spec.name}()`, spec.acceptStrings);
      const ready: Uint8Array[] = [];
      let written = false;
      for await (const batch of batches) {
        for (const item of batch) coalescer.add(item, ready);
        if (!spec.holdAcrossBatches) coalescer.flush(ready);
        for (const chunk of ready) {
          yield* pump.write(chunk);
          // What zlib made of the previous chunk goes out now, while it works on this one.
          if (pump.hasOutput) yield pump.take();
        }
        written ||= ready.length > 0;
        ready.length = 0;
        if (!spec.holdAcrossBatches) yield* pump.settle(false);
        if (pump.hasOutput) yield pump.take();
      }
      coalescer.flush(ready, true);
      for (const chunk of ready) yield* pump.write(chunk);
      if (written || ready.length > 0 || !spec.emptyInputIsEmpty) yield* pump.finish();
    } finally {
      pump.close();
    }
  });
}

const C = zlib.constants;

/** zlib's own ranges for the options we pass through. */
export const ZLIB_RANGES = {
  level: [C.Z_MIN_LEVEL, C.Z_MAX_LEVEL],
  memLevel: [C.Z_MIN_MEMLEVEL, C.Z_MAX_MEMLEVEL],
  strategy: [C.Z_DEFAULT_STRATEGY, C.Z_FIXED],
  windowBits: [C.Z_MIN_WINDOWBITS, C.Z_MAX_WINDOWBITS],
  chunkSize: [C.Z_MIN_CHUNK, 1024 * 1024 * 1024],
} as const satisfies Record<string, readonly [number, number]>;

export type ZlibRanges = Partial<Record<keyof typeof ZLIB_RANGES, readonly [number, number]>>;

/**
 * zlib's output buffer size when the caller sets none: the coalescing size, within
 * [Z_MIN_CHUNK, 1 MiB]. Node's default (16 KiB) costs a main-thread round trip per 16 KiB of
 * output, and zlib stalls on each one while the main thread is busy (formatting CSV, say):
 * measured on a 2-core box, 20 writes of 1 MiB beside 8 ms of main-thread work each took 350 ms
 * with 16 KiB buffers and 173 ms with 1 MiB buffers (zlib alone: 227 and 145 ms).
 */
export function outputBufferSize(chunkSize: number): number {
  return Math.min(Math.max(chunkSize, C.Z_MIN_CHUNK), 1024 * 1024);
}

/** Validates the `chunkSize` coalescing option. */
export function coalesceSizeOption(value: unknown, name: string, fallback: number): number {
  return value === undefined ? fallback : validateInteger(value, name, 1, 1024 * 1024 * 1024);
}

/** Validates the zlib options a stage passes through (`ranges` lists which, with their bounds). */
export function zlibOptions(value: unknown, name: string, ranges: ZlibRanges): Record<string, number> {
  if (value === undefined) return {};
  validateObject(value, name);
  validateKeys(value, Object.keys(ranges), name);
  const out: Record<string, number> = {};
  for (const [key, option] of Object.entries(value)) {
    if (option === undefined) continue;
    const [min, max] = ranges[key as keyof ZlibRanges] ?? [0, 0];
    out[key] = validateInteger(option, `${name}.${key}`, min, max);
  }
  return out;
}
