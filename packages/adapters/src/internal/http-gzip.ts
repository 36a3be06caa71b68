import { finished } from 'node:stream/promises';
import { createGzip, type Gzip } from 'node:zlib';
import { defineBatchStage, type FusableStage } from '@sluice/core';
import type { BodyChunk } from './web-chunks.js';

/** Input is gathered to this many bytes per zlib write: one small write per row is far slower. */
const GATHER = 64 * 1024;

function write(zip: Gzip, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    zip.write(chunk, (error) => (error ? reject(error) : resolve()));
  });
}

/**
 * Gzip for an HTTP body, loaded only when a response negotiates gzip (so serving identity
 * responses never loads `node:zlib`). Input is gathered into writes of about 64 KiB (zlib would
 * hold that much before emitting a block anyway), each write's callback is awaited, and output
 * is handed on as soon as zlib produces it: at most one gathered write and its output are held.
 * The zlib handle is destroyed on every exit path.
 */
export function gzipBody(): FusableStage<BodyChunk, Buffer> {
  return defineBatchStage<BodyChunk, Buffer>('gzip', async function* gzipBody(batches) {
    const zip = createGzip();
    const out: Buffer[] = [];
    zip.on('data', (chunk: Buffer) => out.push(chunk));
    // A zlib error also fails the pending write's callback, which is how it reaches the run.
    zip.on('error', () => undefined);
    let gathered: Buffer[] = [];
    let size = 0;
    try {
      for await (const batch of batches) {
        for (const chunk of batch) {
          const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
          gathered.push(bytes);
          size += bytes.length;
          if (size < GATHER) continue;
          await write(zip, Buffer.concat(gathered, size));
          gathered = [];
          size = 0;
          if (out.length > 0) yield out.splice(0);
        }
      }
      if (size > 0) await write(zip, Buffer.concat(gathered, size));
      zip.end();
      await finished(zip);
      if (out.length > 0) yield out.splice(0);
    } finally {
      zip.destroy();
    }
  });
}
