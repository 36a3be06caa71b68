import { describe, expect, it } from 'vitest';
import { deferred } from '@sluice/core/testing';
import { ackAfter, fromResource, type Delivery, type Sink } from '@sluice/core';
import { AckLedger, splitDelivery } from '@sluice/core/kit';
import { batch, buffer, filter, flatMap, map, mapConcurrent, merge, reduce, take } from './index.js';

// An acknowledging queue of the numbers 0..n-1, read in batches; `sync` reads return at once.
// Every ack is checked against what the sink has written so far: confirming an item the sink has
// not consumed (or one dropped after the last written item) fails the test at that moment.
function queue(n: number, { readSize = 4, sync = false } = {}) {
  const written: number[] = [];
  const acked: number[] = [];
  const violations: string[] = [];
  let next = 0;
  const source = fromResource({
    name: 'queue',
    open: (ctx) =>
      AckLedger.open<number>(ctx, (ids) => {
        const high = Math.max(-1, ...written);
        for (const id of ids)
          if (id > high) violations.push(`acked ${id} before the sink wrote it (highest written ${high})`);
        acked.push(...ids);
      }),
    read: (ledger) => {
      const items: Delivery<number>[] = [];
      for (; items.length < readSize && next < n; next++) items.push(ledger.deliver(next, next));
      return sync ? items : Promise.resolve(items);
    },
    close: () => undefined,
  });
  const record = (value: unknown) => {
    for (const v of [value].flat(2)) written.push(typeof v === 'number' ? v : Number(String(v).split(':')[0]));
  };
  const sink: Sink<unknown, void> = async (items) => {
    for await (const item of items) record(item);
  };
  return { source, written, acked, violations, sink, record };
}

const twins = [
  ['async reads', false],
  ['synchronous reads', true],
] as const;

describe.each(twins)('ackAfter with %s', (_, sync) => {
  it('confirms every item of a completed run, in order, each only after the sink wrote it, behind buffer and batch', async () => {
    const q = queue(50, { sync });
    await q.source.pipe(buffer(8), batch(5)).to(ackAfter(q.sink));
    expect(q.violations).toEqual([]);
    expect(q.acked).toEqual([...Array(50).keys()]);
  });

  it('never confirms items a buffer or batch still holds when the sink fails', async () => {
    const q = queue(40, { sync });
    const boom = new Error('disk full');
    const sink: Sink<number[], void> = async (batches) => {
      for await (const rows of batches) {
        if (rows.includes(20)) throw boom;
        q.record(rows);
      }
    };
    await expect(q.source.pipe(buffer(10), batch(5)).to(ackAfter(sink))).rejects.toBe(boom);
    expect(q.violations).toEqual([]);
    expect(q.acked).toEqual([...Array(20).keys()]);
  });

  it('confirms only what the sink wrote when the run is aborted, while items wait in the buffer', async () => {
    const q = queue(100, { sync });
    const controller = new AbortController();
    const sink: Sink<number, void> = async (items) => {
      for await (const item of items) {
        q.record(item);
        if (item === 9) controller.abort(new Error('stop'));
      }
    };
    await expect(q.source.pipe(buffer(16)).to(ackAfter(sink), { signal: controller.signal })).rejects.toThrow('stop');
    expect(q.violations).toEqual([]);
    // Item 9 was written before the abort: the sink's next pull may still confirm it, nothing after.
    expect(q.acked.length).toBeLessThanOrEqual(10);
    expect(q.acked).toEqual([...Array(q.acked.length).keys()]);
  });

  it('confirms items dropped by filter together with the next item that reaches the sink', async () => {
    const q = queue(30, { sync });
    await q.source.pipe(filter((d) => d.value % 10 === 5)).to(ackAfter(q.sink));
    expect(q.written).toEqual([5, 15, 25]);
    expect(q.violations).toEqual([]);
    // 26..29 come after the last written item: a stage cannot say why it dropped them, so they are redelivered.
    expect(q.acked).toEqual([...Array(26).keys()]);
  });

  it('never confirms the items a take did not pass on, though the source had read them', async () => {
    const q = queue(30, { readSize: 8, sync });
    await q.source.pipe(take(5)).to(ackAfter(q.sink));
    expect(q.written).toEqual([0, 1, 2, 3, 4]);
    expect(q.acked).toEqual([0, 1, 2, 3, 4]);
  });

  it('confirms an item split by flatMap only once its last part was written', async () => {
    const q = queue(6, { sync });
    const written: string[] = [];
    const sink: Sink<string[], void> = async (batches) => {
      for await (const rows of batches) {
        written.push(...rows);
        q.record(rows);
        // The batch of 4 ends inside an item's parts: that item must stay unconfirmed for now.
        const lastItem = Number(rows.at(-1)!.split(':')[0]);
        const whole = rows.at(-1)!.endsWith(':2');
        await Promise.resolve();
        expect(q.acked.at(-1) ?? -1).toBeLessThanOrEqual(whole ? lastItem : lastItem - 1);
      }
    };
    await q.source
      .pipe(
        flatMap((d: Delivery<number>) =>
          splitDelivery(
            d,
            [0, 1, 2].map((p) => `${d.value}:${p}`),
          ),
        ),
        batch(4),
      )
      .to(ackAfter(sink));
    expect(written).toHaveLength(18);
    expect(q.violations).toEqual([]);
    expect(q.acked).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('confirms what reduce folded only when reduce resolved, with commit: sink-end', async () => {
    const q = queue(20, { sync });
    let ackedWhileFolding = -1;
    const sum = await q.source.pipe(map((d: Delivery<number>) => ({ value: d.value * 2, receipt: d.receipt }))).to(
      ackAfter(
        reduce((acc: number, v: number) => {
          ackedWhileFolding = Math.max(ackedWhileFolding, q.acked.length);
          q.record(v / 2);
          return acc + v;
        }, 0),
        { commit: 'sink-end' },
      ),
    );
    expect(sum).toBe(380);
    expect(ackedWhileFolding).toBe(0);
    expect(q.acked).toEqual([...Array(20).keys()]);
  });

  it('keeps order through mapConcurrent (ordered) and merge, confirming only what was written', async () => {
    const q = queue(40, { sync });
    const slow = (d: Delivery<number>) => new Promise<Delivery<number>>((resolve) => setImmediate(resolve, d));
    const boom = new Error('sink failed');
    const sink: Sink<unknown, void> = async (items) => {
      for await (const item of items) {
        if (typeof item === 'string') continue;
        if (item === 30) throw boom;
        q.record(item);
      }
    };
    await expect(
      q.source.pipe(mapConcurrent(slow, { concurrency: 4 }), merge(['a', 'b', 'c'])).to(ackAfter(sink)),
    ).rejects.toBe(boom);
    expect(q.violations).toEqual([]);
    expect(q.acked).toEqual([...Array(30).keys()]);
  });

  it('fails the run with ERR_SLUICE_ACK_ORDER when items of one source reach the sink out of order', async () => {
    const q = queue(8, { sync });
    const first = deferred();
    const late = async (d: Delivery<number>) => {
      if (d.value === 0) await first.promise;
      return d;
    };
    const sink: Sink<number, void> = async (items) => {
      for await (const item of items) {
        q.record(item);
        first.resolve();
      }
    };
    await expect(
      q.source.pipe(mapConcurrent(late, { concurrency: 4, ordered: false })).to(ackAfter(sink)),
    ).rejects.toMatchObject({ code: 'ERR_SLUICE_ACK_ORDER' });
  });
});
