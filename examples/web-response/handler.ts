import type { RunReport } from '@sluice/core';
import { formatCsv, map, take } from '@sluice/operators';
import { toResponse } from '@sluice/adapters/web';
import type { OrdersDb } from '../csv-export/orders-db.js';
import { orderRows } from '../csv-export/server.js';

export interface HandlerOptions {
  /** Called with the report of every export (how it ended, how long the cursor was held). */
  readonly onReport?: (report: RunReport) => void;
}

/**
 * A fetch-style handler (Bun, Deno, Hono, Next.js route handlers, service workers):
 * `GET /orders.csv?limit=n` streams the orders as CSV. The cursor opens when the server starts
 * reading the body and is released when the body ends, fails or is cancelled.
 */
export function createHandler(db: OrdersDb, { onReport }: HandlerOptions = {}): (request: Request) => Response {
  return (request) => {
    const url = new URL(request.url);
    if (request.method !== 'GET' || url.pathname !== '/orders.csv') return new Response('not found\n', { status: 404 });
    const limit = Number(url.searchParams.get('limit') ?? db.rowCount);
    if (!Number.isSafeInteger(limit) || limit < 0)
      return new Response('limit must be a whole number\n', { status: 400 });

    const csv = orderRows(db).pipe(
      take(limit),
      map((o) => ({ ...o, total: (o.totalCents / 100).toFixed(2) })),
      formatCsv({ columns: ['id', 'customer', { key: 'placedAt', header: 'placed_at' }, 'total', 'paid', 'note'] }),
    );
    const init = {
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': 'attachment; filename="orders.csv"',
      },
    };
    return toResponse(csv, init, { signal: request.signal, timeout: 30_000, ...(onReport ? { onReport } : {}) });
  };
}
