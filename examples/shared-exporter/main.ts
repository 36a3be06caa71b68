/**
 * One exporter, three places: an HTTP endpoint, an atomic batch file and Node's stream.pipeline().
 * Run: npx tsx --conditions=sluice-source examples/shared-exporter/main.ts
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeOrdersFile } from './batch.js';
import { pipeOrdersToFile } from './node-pipeline.js';
import { sampleOrders } from './orders.js';
import { createOrdersServer } from './server.js';

const orders = sampleOrders(10_000);
const dir = await mkdtemp(join(tmpdir(), 'sluice-shared-exporter-'));
const server = createOrdersServer(orders).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

try {
  const overHttp = Buffer.from(await (await fetch(`${base}/orders.csv`)).arrayBuffer());
  const oneCustomer = await (await fetch(`${base}/customers.csv?name=Grace%20Hopper&min=40000`)).text();
  await writeOrdersFile(orders, join(dir, 'batch.csv'));
  await pipeOrdersToFile(orders, join(dir, 'node.csv'));
  const inBatch = await readFile(join(dir, 'batch.csv'));
  const viaNode = await readFile(join(dir, 'node.csv'));

  console.log(`GET /orders.csv:          ${overHttp.length} bytes`);
  console.log(`batch job (toFile):       ${inBatch.length} bytes, same bytes: ${inBatch.equals(overHttp)}`);
  console.log(`stream.pipeline(compose): ${viaNode.length} bytes, same bytes: ${viaNode.equals(overHttp)}`);
  console.log(`GET /customers.csv?name=Grace%20Hopper&min=40000: ${oneCustomer.split('\n').length - 2} rows`);
} finally {
  server.closeAllConnections();
  server.close();
  await rm(dir, { recursive: true, force: true });
}
