import { describe, expect, it } from 'vitest';
import { ackAfter, fromResource, type Delivery } from './index.js';
import { AckLedger } from './kit/index.js';
import { deferred } from './testing/index.js';

function ackingSource(n: number, acks: number[][], sync: boolean) {
  let next = 0;
  return fromResource({
    open: (ctx) => AckLedger.open<number>(ctx, (ids) => void acks.push(ids)),
    read: (ledger) => {
      const items = next < n ? [ledger.deliver(next, `item ${next++}`)] : [];
      return sync ? items : Promise.resolve(items);
    },
    close: () => undefined,
  });
}

describe.each([false, true])('AckLedger and ackAfter (synchronous reads: %s)', (sync) => {
  it('refuses to open an acknowledging source whose sink is not wrapped in ackAfter', async () => {
    const acks: number[][] = [];
    await expect(ackingSource(3, acks, sync).toArray()).rejects.toMatchObject({
      name: 'TypeError',
      code: 'ERR_SLUICE_NO_ACK_POINT',
    });
    expect(acks).toEqual([]);
  });

  it('hands the sink plain values and confirms each item once the sink pulls the next one', async () => {
    const acks: number[][] = [];
    const seen: unknown[] = [];
    await ackingSource(3, acks, sync).to(
      ackAfter(async (items: AsyncIterable<string>) => {
        for await (const item of items) seen.push([item, acks.flat().length]);
      }),
    );
    expect(seen).toEqual([
      ['item 0', 0],
      ['item 1', 1],
      ['item 2', 2],
    ]);
    expect(acks.flat()).toEqual([0, 1, 2]);
  });

  it('waits for a slow confirmation before the sink sees the end, and fails the run when it rejects', async () => {
    const gate = deferred();
    const boom = new Error('XACK refused');
    let calls = 0;
    const source = fromResource({
      open: (ctx) =>
        AckLedger.open<number>(ctx, async () => {
          calls++;
          await gate.promise;
          throw boom;
        }),
      read: (ledger: AckLedger<number>) => (calls === 0 ? [ledger.deliver(1, 'a') as Delivery<string>] : []),
      close: () => undefined,
    });
    const run = source.to(
      ackAfter(async (items) => {
        for await (const _ of items) void _;
      }),
    );
    gate.resolve();
    await expect(run).rejects.toBe(boom);
  });

  it('rejects bad options with coded errors', () => {
    const sink = async () => undefined;
    expect(() => ackAfter(sink, { commit: 'later' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }),
    );
    expect(() => ackAfter(sink, { every: 1 } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }),
    );
    expect(() => ackAfter(42 as never)).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_ARGUMENT' }));
  });
});
