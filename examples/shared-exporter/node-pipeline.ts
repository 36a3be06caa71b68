import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { compose } from '@sluice/adapters/node';
import { ordersCsv } from './exporter.js';
import type { Order } from './orders.js';

/** The same export inside code that speaks Node streams: `compose()` turns the chain into a Duplex. */
export async function pipeOrdersToFile(orders: Iterable<Order> | AsyncIterable<Order>, path: string): Promise<void> {
  await pipeline(Readable.from(orders), compose(ordersCsv), createWriteStream(path));
}
