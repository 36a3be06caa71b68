/**
 * Calls the fetch-style handler the way Bun, Deno or a worker runtime would, once to read a
 * small export and once to cancel a large one midway, and prints what happened to the cursor.
 * Run: npx tsx --conditions=sluice-source examples/web-response/main.ts
 */
import { OrdersDb } from '../csv-export/orders-db.js';
import { createHandler } from './handler.js';

const db = new OrdersDb(100_000);
const handler = createHandler(db, {
  onReport: (r) =>
    console.log(`  report: ${r.outcome}, ${r.source.items} rows read, cursor held ${r.source.heldMs.toFixed(1)} ms`),
});

console.log('GET /orders.csv?limit=3');
const small = await handler(new Request('http://localhost/orders.csv?limit=3')).text();
console.log(small.replace(/^/gm, '  | '));

console.log('GET /orders.csv, body cancelled after the first chunk');
const response = handler(new Request('http://localhost/orders.csv'));
const reader = response.body!.getReader();
const { value } = await reader.read();
console.log(`  read ${value?.byteLength} bytes, then cancelled`);
await reader.cancel(new Error('client went away'));
console.log(`open cursors: ${db.openCursors}`);
