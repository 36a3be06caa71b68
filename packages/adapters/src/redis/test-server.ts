/**
 * The Redis server the tests run against: `SLUICE_TEST_REDIS_URL` (set by `. .ci/services.sh`, or
 * pointing at any server you have). In CI a missing server fails the tests; elsewhere they are
 * skipped with a message saying how to run them.
 *
 * The adapters are run with each client library they accept (`describeRedisClients`); what the
 * tests check on the server goes through one node-redis client of their own (`admin()`), so that
 * every assertion reads the same reply shapes whichever client the adapter was given.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, describe } from 'vitest';
import { describeService } from '../test-support/describe-service.js';
import type { IoRedisLike, NodeRedisLike } from './client.js';

export const REDIS_URL = process.env.SLUICE_TEST_REDIS_URL;

/** The client libraries the adapters are tested with (devDependencies: redis 6.3.1, ioredis 5.9.3). */
export const CLIENT_KINDS = ['node-redis', 'ioredis'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

export function describeRedis(name: string, body: () => void): void {
  describeService('Redis', 'SLUICE_TEST_REDIS_URL', name, body);
}

/** One suite, run once per client library: `body` gets the kind to pass to `testClient`. */
export function describeRedisClients(name: string, body: (kind: ClientKind) => void): void {
  describeRedis(name, () => describe.each(CLIENT_KINDS)('with %s', body));
}

const makeNodeRedis = (name?: string, commandTimeout?: number) =>
  createClient({
    url: REDIS_URL ?? '',
    ...(name ? { name } : {}),
    ...(commandTimeout === undefined ? {} : { commandOptions: { timeout: commandTimeout } }),
  });
type NodeRedisClient = ReturnType<typeof makeNodeRedis>;
const open: { close(): Promise<unknown> }[] = [];
const keys: string[] = [];
let adminClient: Promise<NodeRedisClient> | undefined;

/**
 * A connected client of `kind`, closed after the file's tests; its duplicates carry the same
 * connection name and options. `commandTimeout: 0` turns off node-redis 6's default per-command
 * timeout (5 s), which arms an `AbortSignal.timeout` for every command that outlives the command by
 * up to 5 s: a test that checks no timer is left behind (`leakCheck`) uses it, so the library's
 * timers are not counted and sluice's own still are.
 */
export async function testClient(
  kind: ClientKind = 'node-redis',
  name = `sluice-${randomUUID()}`,
  { commandTimeout }: { readonly commandTimeout?: number } = {},
): Promise<NodeRedisLike | IoRedisLike> {
  // Open before any test counts sockets and timers, so that it is never counted as a leak.
  await admin();
  if (kind === 'ioredis') {
    // The usual form, connecting as soon as it is made (so its duplicates do too).
    const client = new Redis(REDIS_URL ?? '', { connectionName: name });
    await once(client, 'ready');
    open.push({ close: () => (client.status === 'end' ? Promise.resolve() : client.quit()) });
    return client;
  }
  const client = makeNodeRedis(name, commandTimeout);
  await client.connect();
  open.push({ close: () => (client.isOpen ? client.close() : Promise.resolve()) });
  return client;
}

/** A client of `kind` that is not connected: never connected (node-redis) or disconnected for good (ioredis). */
export async function closedClient(kind: ClientKind): Promise<NodeRedisLike | IoRedisLike> {
  if (kind === 'node-redis') return makeNodeRedis();
  const client = new Redis(REDIS_URL ?? '', { lazyConnect: true });
  client.disconnect();
  return client;
}

/** The duplicates `client` makes from now on (the adapters' own connections), in order. */
export function watchDuplicates(client: NodeRedisLike | IoRedisLike): (NodeRedisLike | IoRedisLike)[] {
  const copies: (NodeRedisLike | IoRedisLike)[] = [];
  const duplicate = client.duplicate.bind(client) as (...args: unknown[]) => NodeRedisLike | IoRedisLike;
  Object.assign(client, {
    duplicate: (...args: unknown[]) => {
      const copy = duplicate(...args);
      copies.push(copy);
      return copy;
    },
  });
  return copies;
}

/** Whether a client's socket is still open: ioredis says `end` only once it has closed. */
export function isOpen(client: NodeRedisLike | IoRedisLike): boolean {
  return 'call' in client ? client.status !== 'end' : client.isOpen !== false;
}

/** The id of the connection named `name` that is blocked in XREADGROUP, once CLIENT LIST shows one. */
export async function blockedReader(name: string): Promise<string> {
  for (let i = 0; i < 500; i++) {
    const lines = String(await adminSend(['CLIENT', 'LIST'])).split('\n');
    const line = lines.find((l) => l.includes(` name=${name} `) && l.includes(' cmd=xreadgroup'));
    if (line) return /\bid=(\d+)/.exec(line)![1]!;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`no connection named ${name} is blocked in XREADGROUP`);
}

/** The tests' own connection for looking at the server (unnamed: it is not counted by `connectionCount`). */
function admin(): Promise<NodeRedisClient> {
  adminClient ??= (async () => {
    const client = makeNodeRedis();
    await client.connect();
    open.push(client);
    return client;
  })();
  return adminClient;
}

/** Sends one command on the tests' own node-redis connection (node-redis 6 reply shapes). */
export async function adminSend(args: string[]): Promise<unknown> {
  return (await admin()).sendCommand(args);
}

/** A stream name no other test uses, deleted after the file's tests. */
export function streamName(label: string): string {
  const key = `sluice-test:${label}:${randomUUID()}`;
  keys.push(key, `${key}:dead`);
  return key;
}

/** Appends `n` entries `{ n: i }` in pipelined chunks. */
export async function fill(stream: string, n: number): Promise<void> {
  const redis = await admin();
  for (let i = 0; i < n; i += 1000) {
    const chunk = Array.from({ length: Math.min(1000, n - i) }, (_, j) =>
      redis.sendCommand(['XADD', stream, '*', 'n', String(i + j)]),
    );
    await Promise.all(chunk);
  }
}

/** How many entries the group has delivered but not had acked. */
export async function pendingCount(stream: string, group: string): Promise<number> {
  const [count] = (await adminSend(['XPENDING', stream, group])) as [number];
  return Number(count);
}

/** Connections the server has open under `name` (the client's and its duplicates'). */
export async function connectionCount(name: string): Promise<number> {
  const lines = String(await adminSend(['CLIENT', 'LIST']))
    .trim()
    .split('\n');
  return lines.filter((line) => line.includes(` name=${name} `)).length;
}

afterAll(async () => {
  if (adminClient && keys.length > 0) await (await adminClient).sendCommand(['DEL', ...keys.splice(0)]);
  await Promise.all(open.splice(0).map((c) => c.close()));
  adminClient = undefined;
});
