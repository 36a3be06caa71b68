import type { ServerResponse } from 'node:http';
import { flushMacrotask } from '@sluice/core/testing';
import type { SendReport } from '../http/send-pipeline.js';

/** What a handler's `sendPipeline` call settled with. */
export type Settled = { readonly report: SendReport; readonly error?: undefined } | { readonly report?: undefined; readonly error: unknown };

/** Records how a `sendPipeline` promise settled, without ever leaving a rejection unhandled. */
export function settle(sending: Promise<SendReport>): Promise<Settled> {
  return sending.then(
    (report) => ({ report }),
    (error: unknown) => ({ error }),
  );
}

/** Listener counts of the events sendPipeline and its drain waits use. */
export function responseListeners(res: ServerResponse): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of ['close', 'finish', 'error', 'drain']) counts[name] = res.listenerCount(name);
  return counts;
}

/**
 * Resolves once a writer is blocked on a client that does not read: `res` holds unsent bytes and
 * `progress()` (items produced so far) has not moved for 20 event-loop turns. Loopback delivery
 * is synchronous in the kernel, so a pump that can still write shows progress within a turn or
 * two. Counts turns, not time; gives up (throws) after 100 000 turns.
 */
export async function writerStalled(res: ServerResponse, progress: () => number): Promise<void> {
  let last = -1;
  let still = 0;
  for (let turn = 0; still < 20; turn++) {
    if (turn > 100_000) throw new Error('the writer never stalled');
    await flushMacrotask();
    const now = progress();
    if (now === last && res.writableLength > 0) still++;
    else {
      still = 0;
      last = now;
    }
  }
}
