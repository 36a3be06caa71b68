import { from } from '@sluice/core';
import { toFile } from '@sluice/adapters/fs';
import { ordersCsv } from './exporter.js';
import type { Order } from './orders.js';

/**
 * The nightly job: writes the export to `path` atomically. The file appears whole when the job
 * succeeds; when it fails (the source throws, the disk fills up) there is no file at all, and an
 * earlier export at `path` is left as it was.
 */
export async function writeOrdersFile(orders: Iterable<Order> | AsyncIterable<Order>, path: string): Promise<void> {
  await from(orders).pipe(ordersCsv).to(toFile(path));
}
