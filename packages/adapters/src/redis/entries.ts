import type { RedisConnection } from './client.js';

/** One stream entry as it reaches the pipeline. */
export interface RedisStreamEntry {
  readonly id: string;
  readonly fields: Record<string, string>;
}

type RawEntry = [id: string, fields: string[] | null];

function toEntry([id, flat]: RawEntry): RedisStreamEntry {
  const fields: Record<string, string> = {};
  for (let i = 0; flat && i + 1 < flat.length; i += 2) fields[String(flat[i])] = String(flat[i + 1]);
  return { id: String(id), fields };
}

/**
 * The entries of an XREADGROUP reply for one stream. ioredis and RESP2 give `[[name, entries]]`;
 * node-redis 6's `sendCommand` turns the reply into an object (or a Map) keyed by stream name.
 */
export function readReply(reply: unknown): RedisStreamEntry[] {
  if (reply === null || reply === undefined) return [];
  let entries: unknown;
  if (Array.isArray(reply)) entries = (reply[0] as [string, RawEntry[]] | undefined)?.[1];
  else if (reply instanceof Map) entries = [...reply.values()][0];
  else entries = Object.values(reply as Record<string, unknown>)[0];
  return ((entries as RawEntry[] | undefined) ?? []).filter((e) => e[1] !== null).map(toEntry);
}

/** What `fromRedisStream` needs to know to reclaim and dead-letter entries. */
export interface ClaimSpec {
  readonly stream: string;
  readonly group: string;
  readonly consumer: string;
  readonly count: number;
  readonly claimIdleMs: number;
  readonly deadLetter: { readonly stream: string; readonly maxDeliveries: number } | undefined;
}

/**
 * Takes over the entries other consumers (or an earlier life of this one) left pending for longer
 * than `claimIdleMs`, one page of the pending list from `cursor` (XAUTOCLAIM's own; `0-0` again
 * once it wrapped): first moves those delivered `maxDeliveries` times to the dead-letter stream
 * (XPENDING has the delivery counts), then XAUTOCLAIMs up to `count` of the rest for this consumer.
 * Ids that were trimmed from the stream while pending come back as deleted and are acked. Entries
 * the run holds are skipped; claiming them still counts a delivery, so `claimIdleMs` should exceed
 * the time an entry spends between source and sink.
 */
export async function reclaim(
  send: RedisConnection['send'],
  spec: ClaimSpec,
  held: ReadonlySet<string>,
  cursor: string,
): Promise<{ entries: RedisStreamEntry[]; cursor: string }> {
  const { stream, group, consumer, count, claimIdleMs, deadLetter } = spec;
  const idle = String(claimIdleMs);
  if (deadLetter) {
    const pending = (await send(['XPENDING', stream, group, 'IDLE', idle, '-', '+', String(count)])) as [
      string,
      string,
      number,
      number,
    ][];
    for (const [id, , , deliveries] of pending) {
      if (Number(deliveries) < deadLetter.maxDeliveries || held.has(id)) continue;
      // XCLAIM with the same idle bound: if another consumer took it meanwhile, it returns nothing.
      const claimed = readReply([[stream, await send(['XCLAIM', stream, group, consumer, idle, id])]]);
      for (const entry of claimed) {
        const flat = Object.entries(entry.fields).flat();
        await send([
          'XADD',
          deadLetter.stream,
          '*',
          ...flat,
          'sluice:id',
          entry.id,
          'sluice:deliveries',
          String(deliveries),
        ]);
        await send(['XACK', stream, group, entry.id]);
      }
    }
  }
  const [next, entries, deleted] = (await send([
    'XAUTOCLAIM',
    stream,
    group,
    consumer,
    idle,
    cursor,
    'COUNT',
    String(count),
  ])) as [string, RawEntry[], string[] | undefined];
  if (deleted && deleted.length > 0) await send(['XACK', stream, group, ...deleted]);
  // Entries this run still holds (in a buffer, a batch) are its own already: claiming them again
  // would deliver them twice in one run.
  const claimed = entries.filter((e) => e[1] !== null && !held.has(String(e[0]))).map(toEntry);
  return { entries: claimed, cursor: String(next) };
}
