import { createServer, type Server } from 'node:http';
import { from, type Pipeline } from '@sluice/core';
import { filter } from '@sluice/operators';
import { sendPipeline } from '@sluice/adapters/http';
import { ordersCsv } from './exporter.js';
import type { Order } from './orders.js';

/** The rows a URL asks for; undefined for an unknown URL. */
function rowsFor(url: URL, orders: readonly Order[]): Pipeline<Order> | undefined {
  if (url.pathname === '/orders.csv') return from(orders);
  const name = url.searchParams.get('name');
  if (url.pathname !== '/customers.csv' || name === null) return undefined;
  const min = Number(url.searchParams.get('min') ?? 0);
  return from(orders).pipe(filter((o) => o.customer === name && o.totalCents >= min));
}

/**
 * The HTTP side: two endpoints over one exporter, each choosing its rows:
 * - `GET /orders.csv` — every order;
 * - `GET /customers.csv?name=…&min=…` — one customer's orders of at least `min` (in cents).
 */
export function createOrdersServer(orders: readonly Order[]): Server {
  return createServer((req, res) => {
    const rows = rowsFor(new URL(req.url ?? '/', 'http://localhost'), orders);
    if (!rows) {
      res.writeHead(404).end('not found\n');
      return;
    }
    sendPipeline(req, res, rows.pipe(ordersCsv), {
      contentType: 'text/csv; charset=utf-8',
      filename: 'orders.csv',
      timeout: 30_000,
    }).catch((error: unknown) => console.error('export failed', error));
  });
}
