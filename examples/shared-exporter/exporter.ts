import { chain } from '@sluice/core';
import { filter, formatCsv, map } from '@sluice/operators';
import type { Order } from './orders.js';

/**
 * Orders in, CSV text out: the export format, defined once. It is a plain stage, so the HTTP
 * endpoints, the nightly batch job and a Node `stream.pipeline()` all run this same chain — and
 * produce the same bytes for the same rows. Cancelled orders are never exported.
 */
export const ordersCsv = chain<Order>().pipe(
  map((o) => ({ ...o, total: (o.totalCents / 100).toFixed(2) })),
  filter((row) => row.status !== 'cancelled'),
  formatCsv({
    columns: ['id', 'customer', { key: 'placedAt', header: 'placed_at' }, 'total', 'status'],
    bom: true,
    escapeFormulas: true,
  }),
);
