import { SluiceTypeError } from '@sluice/core';

/**
 * The part of a node-redis 5/6 client the Redis adapters use. Raw commands (`sendCommand`) keep
 * the adapters independent of the typed command helpers, which differ between clients and versions.
 */
export interface NodeRedisLike {
  /** Sends one command as its argument list. */
  sendCommand(args: string[]): Promise<unknown>;
  /** A new client with the same options: the consumer's own connection for blocking reads. */
  duplicate(): NodeRedisLike;
  /** Connects a duplicate. */
  connect(): Promise<unknown>;
  /** Closes a duplicate at once (ends a blocking read on abort). */
  destroy(): void;
}

/** The part of an ioredis client the Redis adapters use. */
export interface IoRedisLike {
  /** Sends one command. */
  call(command: string, ...args: string[]): Promise<unknown>;
  /** A new client with the same options: the consumer's own connection for blocking reads. */
  duplicate(): IoRedisLike;
  /** Closes a duplicate at once (ends a blocking read on abort). */
  disconnect(): void;
}

/** A connected node-redis or ioredis client, owned by the caller. */
export type RedisClientLike = NodeRedisLike | IoRedisLike;

/** One connection as the adapters see it, whatever the client library. */
export interface RedisConnection {
  send(args: string[]): Promise<unknown>;
  /** Ends the connection at once; a command in flight (a blocking read) rejects within milliseconds. */
  destroy(): void;
}

function isNodeRedis(client: RedisClientLike): client is NodeRedisLike {
  return typeof (client as NodeRedisLike).sendCommand === 'function';
}

export function validateClient(client: unknown, name: string): asserts client is RedisClientLike {
  const c = client as Partial<NodeRedisLike & IoRedisLike> | null;
  const ok =
    typeof c === 'object' &&
    c !== null &&
    typeof c.duplicate === 'function' &&
    (typeof c.sendCommand === 'function' || typeof c.call === 'function');
  if (!ok) {
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_OPTION',
      `${name}.client must be a connected node-redis client (createClient()) or an ioredis client`,
    );
  }
}

/** The caller's own connection: never ended by the adapters. */
export function shared(client: RedisClientLike): RedisConnection['send'] {
  return isNodeRedis(client)
    ? (args) => client.sendCommand(args)
    : ([command, ...args]) => client.call(command!, ...args);
}

/**
 * A connection of its own for blocking reads: a BLOCK cannot be cancelled by the protocol, and on
 * a shared connection it would hold every other command behind it. Ending it is the only way to
 * stop a read in flight (node-redis' `abortSignal` drops only commands not yet written, and
 * `quit()`/`close()` wait for the block to end).
 */
export async function dedicated(client: RedisClientLike): Promise<RedisConnection> {
  if (isNodeRedis(client)) {
    const copy = client.duplicate();
    await copy.connect();
    return { send: (args) => copy.sendCommand(args), destroy: () => copy.destroy() };
  }
  const copy = client.duplicate();
  return { send: ([command, ...args]) => copy.call(command!, ...args), destroy: () => copy.disconnect() };
}
