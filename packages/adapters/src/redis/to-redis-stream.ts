import { SluiceTypeError, type Sink } from '@sluice/core';
import { describeValue, validateInteger, validateKeys, validateObject } from '@sluice/core/kit';
import { shared, validateClient, validateConnected, type RedisClientLike } from './client.js';
import { validateName } from './validate.js';

/** The fields of one entry to append. */
export type RedisStreamFields = Readonly<Record<string, string | number>>;

/** Options of `toRedisStream`. */
export interface ToRedisStreamOptions {
  /**
   * A connected node-redis 5/6 or ioredis 5 client, owned by the caller (tested with both). Not
   * connected when the run starts: `ERR_SLUICE_INVALID_OPTION`.
   */
  readonly client: RedisClientLike;
  readonly stream: string;
  /**
   * Trim the stream to about this many entries as it grows (XADD MAXLEN ~). Risk: trimming
   * deletes the oldest entries whether or not a consumer group has processed them; an entry
   * trimmed while pending is lost to its group (XAUTOCLAIM then reports it as deleted). Size it
   * well above the backlog your consumers can fall behind by, or trim by hand after they ack.
   */
  readonly maxLen?: number;
}

/** What `toRedisStream` resolves to. */
export interface ToRedisStreamResult {
  readonly written: number;
  readonly lastId: string | undefined;
}

/**
 * A sink that appends every item to a Redis stream (XADD). Items are field objects, or arrays of
 * them (from `batch`): each array is sent as one pipeline.
 *
 * Contract:
 * - Backpressure: the replies of one batch are awaited before the next is pulled, so at most one
 *   batch of commands is in flight.
 * - Entries are appended in order; a refused entry rejects with the server's error, after the
 *   entries sent before it were appended (there is no rollback in a stream).
 * - Abort rejects with the reason; replies of commands already sent are still awaited, never left
 *   unhandled. The caller's client is never closed.
 *
 * @example
 * ```ts
 * await from(orders).pipe(batch(500)).to(toRedisStream({ client, stream: 'orders', maxLen: 1_000_000 }));
 * ```
 */
export function toRedisStream(
  options: ToRedisStreamOptions,
): Sink<RedisStreamFields | readonly RedisStreamFields[], ToRedisStreamResult> {
  const name = 'toRedisStream(options)';
  validateObject(options, name);
  validateKeys(options, ['client', 'stream', 'maxLen'], name);
  validateClient(options.client, name);
  const stream = validateName(options.stream, `${name}.stream`);
  const trim =
    options.maxLen === undefined ? [] : ['MAXLEN', '~', String(validateInteger(options.maxLen, `${name}.maxLen`, 1))];
  const send = shared(options.client);
  const command = (fields: RedisStreamFields): string[] => {
    if (typeof fields !== 'object' || fields === null) {
      throw new SluiceTypeError(
        'ERR_SLUICE_INVALID_ARGUMENT',
        `toRedisStream: every item must be an object of fields, got ${describeValue(fields)}`,
      );
    }
    const flat: string[] = [];
    for (const [key, value] of Object.entries(fields)) flat.push(key, String(value));
    if (flat.length === 0)
      throw new SluiceTypeError('ERR_SLUICE_INVALID_ARGUMENT', 'toRedisStream: an entry needs at least one field');
    return ['XADD', stream, ...trim, '*', ...flat];
  };
  return async function toRedisStreamSink(items, { signal }) {
    validateConnected(options.client, name);
    let written = 0;
    let lastId: string | undefined;
    for await (const item of items) {
      const batch = Array.isArray(item) ? (item as readonly RedisStreamFields[]) : [item as RedisStreamFields];
      const commands = batch.map(command);
      // Written back to back without waiting (the clients pipeline them), settled together.
      const ids = await Promise.all(commands.map((args) => send(args)));
      written += ids.length;
      lastId = ids.length > 0 ? String(ids[ids.length - 1]) : lastId;
      signal.throwIfAborted();
    }
    return { written, lastId };
  };
}
