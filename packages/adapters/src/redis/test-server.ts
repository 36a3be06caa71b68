/**
 * The Redis server the tests run against: `SLUICE_TEST_REDIS_URL` (set by `. .ci/services.sh`, or
 * pointing at any server you have). In CI a missing server fails the tests; elsewhere they are
 * skipped with a message saying how to run them.
 */
import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll } from 'vitest';
import { describeService } from '../test-support/describe-service.js';

export const REDIS_URL = process.env.SLUICE_TEST_REDIS_URL;

export function describeRedis(name: string, body: () => void): void {
  describeService('Redis', 'SLUICE_TEST_REDIS_URL', name, body);
}

const makeClient = (name: string) => createClient({ url: REDIS_URL ?? '', name });
type Client = ReturnType<typeof makeClient>;
const clients: Client[] = [];
const keys: string[] = [];

/** A connected client, closed after the file's tests; its duplicates carry the same connection name. */
export async function testClient(name = `sluice-${randomUUID()}`): Promise<Client> {
  const client = makeClient(name);
  await client.connect();
  clients.push(client);
  return client;
}

/** A stream name no other test uses, deleted after the file's tests. */
export function streamName(label: string): string {
  const key = `sluice-test:${label}:${randomUUID()}`;
  keys.push(key, `${key}:dead`);
  return key;
}

/** Appends `n` entries `{ n: i }` in pipelined chunks. */
export async function fill(client: Client, stream: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 1000) {
    const chunk = Array.from({ length: Math.min(1000, n - i) }, (_, j) =>
      client.sendCommand(['XADD', stream, '*', 'n', String(i + j)]),
    );
    await Promise.all(chunk);
  }
}

/** How many entries the group has delivered but not had acked. */
export async function pendingCount(client: Client, stream: string, group: string): Promise<number> {
  const [count] = (await client.sendCommand(['XPENDING', stream, group])) as [number];
  return Number(count);
}

/** Connections the server has open under `name` (the client's and its duplicates'). */
export async function connectionCount(client: Client, name: string): Promise<number> {
  const lines = String(await client.sendCommand(['CLIENT', 'LIST']))
    .trim()
    .split('\n');
  return lines.filter((line) => line.includes(` name=${name} `)).length;
}

afterAll(async () => {
  const [client] = clients;
  if (client && keys.length > 0) await client.sendCommand(['DEL', ...keys.splice(0)]);
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
