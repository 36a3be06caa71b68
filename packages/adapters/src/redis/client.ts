import { SluiceTypeError } from '@sluice/core';

/**
 * The part of a node-redis 5/6 client the Redis adapters use. Raw commands (`sendCommand`) keep
 * the adapters independent of the typed command helpers, which differ between clients and versions.
 */
export interface NodeRedisLike {
  /** Sends one command as its argument list. */
  sendCommand(args: string[]): Promise<unknown>;
  /** A new client with the same options but these: the consumer's own connection for blocking reads. */
  duplicate(overrides?: { socket?: object }): NodeRedisLike;
  /** The options it was made with (node-redis 5/6 keep the socket's host and port here). */
  readonly options?: { readonly socket?: object } | undefined;
  /** Connects a duplicate. */
  connect(): Promise<unknown>;
  /** Closes a duplicate at once (ends a blocking read on abort). */
  destroy(): void;
  /** A duplicate's connection errors; they also reject the command in flight. */
  on(event: 'error', listener: (error: unknown) => void): unknown;
  /** False until `connect()` and after `close()`/`destroy()`: the adapters refuse such a client. */
  readonly isOpen?: boolean;
}

/**
 * The part of an ioredis 5 client the Redis adapters use. ioredis has a `sendCommand` too (taking
 * its own `Command` objects), so `call` is what tells the two libraries apart.
 */
export interface IoRedisLike {
  /** Sends one command; replies are RESP2 shapes with strings (not Buffers). */
  call(command: string, ...args: string[]): Promise<unknown>;
  /** A new client with the same options but these: the consumer's own connection for blocking reads. */
  duplicate(override?: { lazyConnect?: boolean }): IoRedisLike;
  /** Connects a duplicate made with `lazyConnect`; resolves once it is ready. */
  connect(): Promise<unknown>;
  /** Closes a duplicate at once (ends a blocking read on abort). */
  disconnect(): void;
  /** `'end'` once `quit()`/`disconnect()` closed it for good: the adapters refuse such a client. */
  readonly status?: string;
  /** `'end'` is emitted once a disconnected client's socket has closed. */
  once(event: 'end', listener: () => void): unknown;
}

/**
 * A connected node-redis 5/6 (`createClient()`) or ioredis 5 (`new Redis()`) client, owned by the
 * caller. The Redis tests run with both (redis 6.3.1, ioredis 5.9.3).
 */
export type RedisClientLike = NodeRedisLike | IoRedisLike;

/** One connection as the adapters see it, whatever the client library. */
export interface RedisConnection {
  send(args: string[]): Promise<unknown>;
  /**
   * Ends the connection at once (a command in flight, a blocking read, rejects within
   * milliseconds); resolves once its socket is closed. Calling it again returns the same promise.
   */
  destroy(): Promise<void>;
}

function ignore(): void {}

function isIoRedis(client: RedisClientLike): client is IoRedisLike {
  return typeof (client as IoRedisLike).call === 'function';
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

/**
 * Checked when a run starts rather than when the pipeline is built: a client may be connected in
 * between. A closed client would otherwise fail each command with the library's own uncoded error.
 */
export function validateConnected(client: RedisClientLike, name: string): void {
  const closed = isIoRedis(client) ? client.status === 'end' : client.isOpen === false;
  if (closed) {
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_OPTION',
      isIoRedis(client)
        ? `${name}.client is not connected: this ioredis client was quit or disconnected`
        : `${name}.client is not connected: await client.connect() before the run (node-redis)`,
    );
  }
}

/** The caller's own connection: never ended by the adapters. */
export function shared(client: RedisClientLike): RedisConnection['send'] {
  return isIoRedis(client)
    ? ([command, ...args]) => client.call(command!, ...args)
    : (args) => client.sendCommand(args);
}

/**
 * A connection of its own for blocking reads: a BLOCK cannot be cancelled by the protocol, and on
 * a shared connection it would hold every other command behind it. Ending it is the only way to
 * stop a read in flight (node-redis' `abortSignal` drops only commands not yet written, and
 * `quit()`/`close()` wait for the block to end).
 */
export async function dedicated(client: RedisClientLike): Promise<RedisConnection> {
  if (isIoRedis(client)) {
    // Lazy, so that a refused connection rejects here instead of retrying behind an offline queue.
    const copy = client.duplicate({ lazyConnect: true });
    try {
      await copy.connect();
    } catch (error) {
      copy.disconnect();
      throw error;
    }
    // disconnect() only half-closes the socket (and arms a 2 s timer in case the server never
    // answers): the run must wait for 'end' not to leave both behind. Once only: a second
    // disconnect() after the socket closed would arm a timer that nothing clears. A socket that
    // is already closed (lost, waiting to reconnect) emits no 'end' on disconnect().
    let closed: Promise<void> | undefined;
    const destroy = () =>
      (closed ??= new Promise<void>((resolve) => {
        const open = copy.status === 'ready' || copy.status === 'connect' || copy.status === 'connecting';
        if (open) copy.once('end', () => resolve());
        copy.disconnect();
        if (!open) resolve();
      }));
    return { send: ([command, ...args]) => copy.call(command!, ...args), destroy };
  }
  // No reconnection: a lost blocking connection fails the read (and the run; the entries stay
  // pending), where a reconnection racing the close would leave a connection open.
  const copy = client.duplicate({ socket: { ...client.options?.socket, reconnectStrategy: false } });
  // node-redis emits the lost socket as 'error': with no listener that emit throws from a socket
  // callback and ends the process. The read in flight rejects with the same error.
  copy.on('error', ignore);
  await copy.connect();
  return {
    send: (args) => copy.sendCommand(args),
    destroy: () => {
      // node-redis destroys the socket at once: there is nothing to wait for.
      copy.destroy();
      return Promise.resolve();
    },
  };
}
