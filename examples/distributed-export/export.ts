/**
 * Distributed CSV export over a Redis stream: producers append order events, any number of
 * worker processes consume them as one consumer group and write each batch to its own CSV file,
 * atomically. An entry is acknowledged only after the file holding it was renamed into place, so
 * a worker killed at any moment loses nothing: its entries stay pending and a restarted (or
 * another) worker takes them over. Delivery is at least once: count on duplicates across files.
 */
import { join } from 'node:path';
import { ackAfter, from } from '@sluice/core';
import { toFile } from '@sluice/adapters/fs';
import { fromRedisStream, toRedisStream, type RedisClientLike, type RedisStreamEntry } from '@sluice/adapters/redis';
import { batch, formatCsv } from '@sluice/operators';

export interface Order {
  readonly id: number;
  readonly customer: string;
  readonly total: number;
}

export const COLUMNS = ['id', 'customer', 'total'] as const;

/** Appends `count` order events, ids `first` onwards. */
export async function produceOrders(
  client: RedisClientLike,
  stream: string,
  first: number,
  count: number,
): Promise<void> {
  const orders = Array.from({ length: count }, (_, i) => ({
    id: first + i,
    customer: `c${(first + i) % 97}`,
    total: ((first + i) % 1000) / 10,
  }));
  await from(orders).pipe(batch(500)).to(toRedisStream({ client, stream }));
}

export interface WorkerOptions {
  readonly client: RedisClientLike;
  readonly stream: string;
  readonly group: string;
  readonly consumer: string;
  /** Where the CSV files go; each is named after the first entry id it holds. */
  readonly dir: string;
  readonly rowsPerFile: number;
  readonly claimIdleMs: number;
  /** Stop when the stream has nothing new for `blockMs` (a drain) rather than wait forever. */
  readonly untilIdle?: boolean;
  readonly blockMs?: number;
  readonly signal?: AbortSignal;
  /** Called after each file was renamed into place (and before its entries are acknowledged). */
  readonly onFile?: (path: string, rows: number) => void;
}

/** One worker: consume, format CSV, write one file per batch, acknowledge after the rename. */
export async function runWorker(options: WorkerOptions): Promise<number> {
  const { client, stream, group, consumer, dir, rowsPerFile, claimIdleMs } = options;
  let files = 0;
  const writeFiles = async (batches: AsyncIterable<RedisStreamEntry[]>) => {
    for await (const entries of batches) {
      const path = join(dir, `orders-${entries[0]!.id}.csv`);
      const rows = entries.map((e) => e.fields);
      // A nested run: the file appears whole under its name, or not at all.
      await from(rows)
        .pipe(formatCsv({ columns: [...COLUMNS] }))
        .to(toFile(path, { fsync: false }));
      files++;
      options.onFile?.(path, rows.length);
    }
  };
  await fromRedisStream({
    client,
    stream,
    group,
    consumer,
    claimIdleMs,
    count: 200,
    blockMs: options.blockMs ?? 1000,
    untilIdle: options.untilIdle ?? false,
  })
    .pipe(batch(rowsPerFile))
    .to(ackAfter(writeFiles), { signal: options.signal });
  return files;
}
