/**
 * Test support for gzip and gunzip (imported by their tests only): records every zlib stream the
 * stages create, every write made to it (size, and whether zlib has called back yet), and the
 * bytes it produced, so tests can check coalescing, backpressure and teardown from outside.
 */
import type { Transform } from 'node:stream';
import zlib from 'node:zlib';
import { vi } from 'vitest';
import { deferred, flushMacrotask, type Deferred } from '@sluice/core/testing';

export interface StreamRecord {
  readonly stream: Transform;
  readonly options: zlib.ZlibOptions | undefined;
  /** Byte length of each write, in order. */
  readonly writes: number[];
  /** Most writes that were in zlib at the same time (written, not yet called back). */
  maxInFlight: number;
  /** Bytes zlib produced so far. */
  produced: number;
  /** Resolved at the first write. */
  readonly firstWrite: Deferred<void>;
}

export function spyOnZlib(method: 'createGzip' | 'createGunzip'): StreamRecord[] {
  const records: StreamRecord[] = [];
  const real = zlib[method];
  vi.spyOn(zlib, method).mockImplementation((options?: zlib.ZlibOptions) => {
    const stream = real(options);
    const record: StreamRecord = { stream, options, writes: [], maxInFlight: 0, produced: 0, firstWrite: deferred() };
    let inFlight = 0;
    const write = stream.write.bind(stream) as (chunk: Uint8Array, callback: (error?: Error | null) => void) => boolean;
    vi.spyOn(stream, 'write').mockImplementation(((chunk: Uint8Array, callback: (error?: Error | null) => void) => {
      record.writes.push(chunk.length);
      record.firstWrite.resolve();
      record.maxInFlight = Math.max(record.maxInFlight, ++inFlight);
      return write(chunk, (error) => {
        inFlight--;
        callback(error);
      });
    }) as never);
    stream.on('data', (chunk: Buffer) => {
      record.produced += chunk.length;
    });
    records.push(record);
    return stream as never;
  });
  return records;
}

/** Whether the stream was destroyed and has emitted 'close' (its zlib handle released), checked after a macrotask. */
export async function released(stream: Transform): Promise<boolean> {
  await flushMacrotask();
  return stream.destroyed && stream.closed;
}
