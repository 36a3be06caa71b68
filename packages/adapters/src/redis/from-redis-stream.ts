import { fromResource, type Delivery, type Pipeline, type StageContext } from '@sluice/core';
import { AckLedger, onAbort, validateInteger, validateKeys, validateObject } from '@sluice/core/kit';
import {
  dedicated,
  shared,
  validateClient,
  validateConnected,
  type RedisClientLike,
  type RedisConnection,
} from './client.js';
import { readReply, reclaim, type ClaimSpec, type RedisStreamEntry } from './entries.js';
import { validateName } from './validate.js';

/** Options of `fromRedisStream`. */
export interface FromRedisStreamOptions {
  /**
   * A connected node-redis 5/6 or ioredis 5 client; XACK and claims use it, the blocking read a
   * duplicate. Not connected when the run starts: `ERR_SLUICE_INVALID_OPTION`.
   */
  readonly client: RedisClientLike;
  readonly stream: string;
  readonly group: string;
  /** This process's name in the group: entries delivered to it stay pending under it until acked. */
  readonly consumer: string;
  /** Most entries per read (XREADGROUP COUNT), lowered by downstream's hint (a `take`). Default 100. */
  readonly count?: number;
  /** How long one read blocks waiting for new entries (XREADGROUP BLOCK). Default 2000 ms. */
  readonly blockMs?: number;
  /** Entries pending under any consumer for longer than this are taken over (XAUTOCLAIM). Default 60000 ms. */
  readonly claimIdleMs?: number;
  /** How often, at most, to look for such entries: on the first read, then between reads. Default `claimIdleMs`. */
  readonly claimEveryMs?: number;
  /** Where the group starts when this creates it (XGROUP CREATE … MKSTREAM). Default `'0'`: the whole stream. */
  readonly startId?: string;
  /** Entries already delivered `maxDeliveries` times go to `stream` (default `<stream>:dead`) instead, and are acked. */
  readonly deadLetter?: { readonly maxDeliveries: number; readonly stream?: string };
  /** End the run when a read finds nothing new for `blockMs` (a batch drain) instead of waiting forever. */
  readonly untilIdle?: boolean;
}

interface Consumer {
  readonly blocking: RedisConnection;
  readonly ledger: AckLedger<string>;
  /** Delivered in this run and not acked yet: a claim must not hand them out a second time. */
  readonly held: Set<string>;
  /** Unlinks the abort that destroys `blocking` (ending a pending BLOCK at once). */
  readonly unlink: () => void;
  readonly signal: AbortSignal;
  pending: RedisStreamEntry[];
  nextClaim: number;
  /** Where the claim goes on in the pending list; `0-0` when a sweep is complete. */
  claimCursor: string;
}

const KEYS = [
  'client',
  'stream',
  'group',
  'consumer',
  'count',
  'blockMs',
  'claimIdleMs',
  'claimEveryMs',
  'startId',
  'deadLetter',
  'untilIdle',
];

/**
 * Reads a Redis stream as one consumer of a consumer group, at least once: every entry is acked
 * (XACK) only after the sink consumed it, so end the pipeline with `.to(ackAfter(sink))`.
 *
 * Contract:
 * - Lazy: nothing is sent before the first pull. Then the group is created if missing
 *   (XGROUP CREATE … MKSTREAM; BUSYGROUP ignored) and entries left pending longer than
 *   `claimIdleMs` are taken over (XAUTOCLAIM), again every `claimEveryMs` between reads.
 * - One XREADGROUP `COUNT min(count, hint)` per downstream pull; no read-ahead.
 * - Items are `Delivery<RedisStreamEntry>`: keep the receipt with the value through your stages
 *   (`map(d => ({ ...d, value: f(d.value) }))`) so that `ackAfter` can confirm it.
 * - An entry delivered `deadLetter.maxDeliveries` times is copied to the dead-letter stream (with
 *   `sluice:id` and `sluice:deliveries` fields) and acked instead of delivered again.
 * - The blocking read has its own connection, ended at once on abort or early exit (a BLOCK cannot
 *   be cancelled otherwise) and closed before the run settles; the caller's client is never
 *   closed. On abort or error nothing unconfirmed is acked: it stays pending and is redelivered.
 *   Sinks must be idempotent.
 * - Clients: node-redis 5/6 and ioredis 5 behave alike (every Redis test runs with both: redis
 *   6.3.1 and ioredis 5.9.3, against Redis 7.0), but for a blocking connection the server drops:
 *   with node-redis the run fails with the socket's error; ioredis reconnects and sends the read
 *   again.
 *
 * @example
 * ```ts
 * await fromRedisStream({ client, stream: 'orders', group: 'export', consumer: 'worker-1', untilIdle: true })
 *   .pipe(batch(500))
 *   .to(ackAfter(toPostgres(pool, 'orders', ['id', 'total'])));
 * ```
 */
export function fromRedisStream(options: FromRedisStreamOptions): Pipeline<Delivery<RedisStreamEntry>> {
  const name = 'fromRedisStream(options)';
  validateObject(options, name);
  validateKeys(options, KEYS, name);
  validateClient(options.client, name);
  const { client, stream, group, consumer } = options;
  for (const [key, value] of Object.entries({ stream, group, consumer, startId: options.startId ?? '0' })) {
    validateName(value, `${name}.${key}`);
  }
  const count = validateInteger(options.count ?? 100, `${name}.count`, 1);
  const blockMs = validateInteger(options.blockMs ?? 2000, `${name}.blockMs`, 0);
  const claimIdleMs = validateInteger(options.claimIdleMs ?? 60_000, `${name}.claimIdleMs`, 0);
  const claimEveryMs = validateInteger(options.claimEveryMs ?? claimIdleMs, `${name}.claimEveryMs`, 0);
  let deadLetter: ClaimSpec['deadLetter'];
  if (options.deadLetter !== undefined) {
    validateObject(options.deadLetter, `${name}.deadLetter`);
    validateKeys(options.deadLetter, ['maxDeliveries', 'stream'], `${name}.deadLetter`);
    const maxDeliveries = validateInteger(options.deadLetter.maxDeliveries, `${name}.deadLetter.maxDeliveries`, 1);
    deadLetter = {
      maxDeliveries,
      stream: validateName(options.deadLetter.stream ?? `${stream}:dead`, `${name}.deadLetter.stream`),
    };
  }
  const send = shared(client);
  const spec: ClaimSpec = { stream, group, consumer, count, claimIdleMs, deadLetter };

  const open = async (ctx: StageContext): Promise<Consumer> => {
    validateConnected(client, name);
    try {
      await send(['XGROUP', 'CREATE', stream, group, options.startId ?? '0', 'MKSTREAM']);
    } catch (error) {
      if (!String((error as Error)?.message).startsWith('BUSYGROUP')) throw error;
    }
    const held = new Set<string>();
    const ledger = AckLedger.open<string>(ctx, async (ids) => {
      await send(['XACK', stream, group, ...ids]);
      for (const id of ids) held.delete(id);
    });
    const blocking = await dedicated(client);
    const unlink = onAbort(ctx.signal, () => void blocking.destroy());
    return { blocking, ledger, held, unlink, signal: ctx.signal, pending: [], nextClaim: 0, claimCursor: '0-0' };
  };

  const read = async (state: Consumer, { hint }: { hint: number | undefined }) => {
    const n = Math.min(count, hint ?? count);
    for (;;) {
      // A sweep of the pending list, once begun, goes on page by page before new entries are read.
      while (state.pending.length === 0 && (state.claimCursor !== '0-0' || performance.now() >= state.nextClaim)) {
        ({ entries: state.pending, cursor: state.claimCursor } = await reclaim(
          send,
          spec,
          state.held,
          state.claimCursor,
        ));
        if (state.claimCursor === '0-0') {
          state.nextClaim = performance.now() + claimEveryMs;
          break;
        }
      }
      const entries =
        state.pending.length > 0
          ? state.pending.splice(0, n)
          : readReply(
              await state.blocking
                .send([
                  'XREADGROUP',
                  'GROUP',
                  group,
                  consumer,
                  'COUNT',
                  String(n),
                  'BLOCK',
                  String(blockMs),
                  'STREAMS',
                  stream,
                  '>',
                ])
                .catch((error: unknown) => {
                  // Our own disconnect on abort ends the BLOCK with an error: that is the abort
                  // coming back (the run knows its reason), not a failure to report.
                  throw state.signal.aborted ? state.signal.reason : error;
                }),
            );
      if (entries.length > 0) {
        for (const entry of entries) state.held.add(entry.id);
        return entries.map((entry) => state.ledger.deliver(entry.id, entry));
      }
      if (options.untilIdle) return null;
    }
  };

  const close = (state: Consumer) => {
    state.unlink();
    return state.blocking.destroy();
  };

  return fromResource({ name: `fromRedisStream(${stream})`, open, read, close });
}
