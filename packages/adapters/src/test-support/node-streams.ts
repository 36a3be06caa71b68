import { once } from 'node:events';
import { Writable, type Readable } from 'node:stream';
import type { StageContext } from '@sluice/core';

/** Test fixtures shared by the node and fs adapter tests. */

/** A stage that records its finally (exactly once is asserted by the log) and the signal it got. */
export function probe(name: string, log: string[], signals: AbortSignal[] = []) {
  return Object.defineProperty(
    async function* (source: AsyncIterable<number>, { signal }: StageContext) {
      signals.push(signal);
      try {
        for await (const n of source) yield n;
      } finally {
        log.push(name);
      }
    },
    'name',
    { value: name },
  );
}

export function collector<T>(objectMode = true) {
  const items: T[] = [];
  const sink = new Writable({
    objectMode,
    write(chunk: T, _enc, cb) {
      items.push(chunk);
      cb();
    },
  });
  return { items, sink };
}

/** Resolves on 'close' (unlike events.once, an 'error' before it does not reject). */
export function closeOf(stream: Readable | Writable): Promise<void> {
  return new Promise((resolve) => stream.once('close', () => resolve()));
}

/** Reads `n` items in paused mode, then stops reading (the writer is expected to be slower). */
export async function readItems(d: Readable, n: number): Promise<unknown[]> {
  const got: unknown[] = [];
  while (got.length < n) {
    const item = d.read();
    if (item !== null) got.push(item);
    else await once(d, 'readable');
  }
  return got;
}
