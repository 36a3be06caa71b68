import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { from } from '@sluice/core';
import { parseCsv } from '@sluice/operators';
import { writeOrdersFile } from './batch.js';
import { ordersCsv } from './exporter.js';
import { pipeOrdersToFile } from './node-pipeline.js';
import { sampleOrders, type Order } from './orders.js';
import { createOrdersServer } from './server.js';

const orders = sampleOrders(3_000);
let dir: string;
let server: Server;
let port: number;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-shared-exporter-'));
  server = createOrdersServer(orders);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

function download(path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`status ${res.statusCode}`)),
      );
      res.on('error', reject);
    }).on('error', reject);
  });
}

async function* failingAfter(rows: readonly Order[], count: number): AsyncGenerator<Order> {
  yield* rows.slice(0, count);
  throw new Error('connection to the database lost');
}

describe('one exporter chain', () => {
  it('gives the same CSV bytes over HTTP, in a batch file and through Node stream.pipeline()', async () => {
    const overHttp = await download('/orders.csv');
    await writeOrdersFile(orders, join(dir, 'batch.csv'));
    await pipeOrdersToFile(orders, join(dir, 'node.csv'));
    const inBatch = await readFile(join(dir, 'batch.csv'));
    const viaNode = await readFile(join(dir, 'node.csv'));

    const records = await from([overHttp]).pipe(parseCsv()).toArray();
    expect(records).toHaveLength(orders.filter((o) => o.status !== 'cancelled').length);
    expect(records[0]).toEqual({
      id: '0',
      customer: 'Ada Lovelace',
      placed_at: '2026-01-01T00:00:00.000Z',
      total: '0.00',
      status: 'paid',
    });
    expect(records[2]).toEqual({
      id: '2',
      customer: 'Edsger "EWD" Dijkstra',
      placed_at: '2026-01-01T02:00:00.000Z',
      total: '158.38',
      status: 'paid',
    });
    expect(inBatch.equals(overHttp)).toBe(true);
    expect(viaNode.equals(overHttp)).toBe(true);
  });

  it('serves a filtered endpoint with the same bytes as the chain gives for those rows', async () => {
    const picked = orders.filter((o) => o.customer === 'Tony Hoare, Sir' && o.totalCents >= 25_000);
    const expected = (await from(picked).pipe(ordersCsv).toArray()).join('');

    const body = await download(`/customers.csv?name=${encodeURIComponent('Tony Hoare, Sir')}&min=25000`);
    await writeOrdersFile(picked, join(dir, 'picked.csv'));

    expect(picked.length).toBeGreaterThan(0);
    expect(body.toString('utf8')).toBe(expected);
    expect(await readFile(join(dir, 'picked.csv'), 'utf8')).toBe(expected);
    const ids = (await from([body]).pipe(parseCsv()).toArray()).map((r) => Number(r.id));
    expect(ids).toEqual(picked.filter((o) => o.status !== 'cancelled').map((o) => o.id));
  });

  it('serves both endpoints at once from the one chain', async () => {
    const [all, some] = await Promise.all([download('/orders.csv'), download('/customers.csv?name=Grace%20Hopper')]);
    const graces = (await from([some]).pipe(parseCsv()).toArray()).map((r) => r.customer);
    expect(all.length).toBeGreaterThan(some.length);
    expect(graces.length).toBeGreaterThan(0);
    expect(new Set(graces)).toEqual(new Set(['Grace Hopper']));
  });

  it('leaves no file behind when the batch job fails midway', async () => {
    const target = join(dir, 'failed.csv');
    await expect(writeOrdersFile(failingAfter(orders, 2_000), target)).rejects.toThrow(
      'connection to the database lost',
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('keeps the previous export intact when the batch job fails', async () => {
    const target = join(dir, 'orders.csv');
    await writeFile(target, 'yesterday\n');
    await expect(writeOrdersFile(failingAfter(orders, 2_000), target)).rejects.toThrow(
      'connection to the database lost',
    );
    expect(await readFile(target, 'utf8')).toBe('yesterday\n');
    expect(await readdir(dir)).toEqual(['orders.csv']);
  });
});
