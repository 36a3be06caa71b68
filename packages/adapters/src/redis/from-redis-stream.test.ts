import { randomUUID } from 'node:crypto';
import { ackAfter, type Delivery, type Sink } from '@sluice/core';
import { abortListenerCount, deferred, leakCheck, liveAbortListenersAfter, NO_LEAKS } from '@sluice/core/testing';
import { batch, buffer, take } from '@sluice/operators';
import { describe, expect, it } from 'vitest';
import { fromRedisStream, type RedisStreamEntry } from './index.js';
import {
  adminSend,
  blockedReader,
  closedClient,
  connectionCount,
  describeRedisClients,
  fill,
  isOpen,
  pendingCount,
  streamName,
  testClient,
  watchDuplicates,
} from './test-server.js';

const numbers = (entries: RedisStreamEntry[]) => entries.map((e) => Number(e.fields.n));

async function drain<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

describeRedisClients('fromRedisStream', (kind) => {
  it('unlinks the abort that ends a blocking read and closes its own connection once a run until idle ended', async () => {
    const name = `sluice-idle-${randomUUID()}`;
    const client = await testClient(kind, name, { commandTimeout: 0 });
    const stream = streamName('unlink');
    await fill(stream, 3);
    const copies = watchDuplicates(client);
    const leaks = leakCheck();
    const live = await liveAbortListenersAfter(async () => {
      const seen: number[] = [];
      const sink = ackAfter(async (items: AsyncIterable<RedisStreamEntry>) => {
        for await (const e of items) seen.push(Number(e.fields.n));
      });
      await fromRedisStream({ client, stream, group: 'g', consumer: 'a', blockMs: 20, untilIdle: true }).to(sink);
      // Checked at once: the run settles only after its own connection has closed.
      expect(copies.map(isOpen)).toEqual([false]);
      expect(seen).toEqual([0, 1, 2]);
    });
    expect(live).toBe(0);
    expect(await leaks.finish()).toEqual(NO_LEAKS);
    expect(await connectionCount(name)).toBe(1);
  });

  it('creates the group and the stream on first use, and a second run on the existing group ignores BUSYGROUP', async () => {
    const client = await testClient(kind);
    const stream = streamName('create');
    const seen: number[] = [];
    const sink = ackAfter(async (items: AsyncIterable<RedisStreamEntry>) => {
      for await (const e of items) seen.push(Number(e.fields.n));
    });
    const options = { client, stream, group: 'g', consumer: 'a', blockMs: 20, untilIdle: true };
    await fromRedisStream(options).to(sink);
    expect(Number(await adminSend(['EXISTS', stream]))).toBe(1);
    await fill(stream, 5);
    await fromRedisStream(options).to(sink);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(await pendingCount(stream, 'g')).toBe(0);
  });

  it('acks every entry only after the sink wrote it, behind buffer and batch, and leaves nothing pending', async () => {
    const client = await testClient(kind);
    const stream = streamName('drain');
    await fill(stream, 1000);
    const written: number[] = [];
    const violations: number[] = [];
    const sink: Sink<RedisStreamEntry[], void> = async (batches) => {
      for await (const rows of batches) {
        // Everything pending must include what this batch holds: nothing of it was acked before the write.
        const pending = (await adminSend(['XPENDING', stream, 'g', '-', '+', '2000'])) as [string][];
        const ids = new Set(pending.map(([id]) => id));
        for (const row of rows) if (!ids.has(row.id)) violations.push(Number(row.fields.n));
        written.push(...numbers(rows));
      }
    };
    await fromRedisStream({ client, stream, group: 'g', consumer: 'a', count: 64, blockMs: 20, untilIdle: true })
      .pipe(buffer(100), batch(50))
      .to(ackAfter(sink));
    expect(violations).toEqual([]);
    expect(written).toEqual([...Array(1000).keys()]);
    expect(await pendingCount(stream, 'g')).toBe(0);
  });

  it('reads only as many entries as downstream asks for (COUNT follows take’s hint)', async () => {
    const client = await testClient(kind);
    const stream = streamName('hint');
    await fill(stream, 100);
    const seen: number[] = [];
    await fromRedisStream({ client, stream, group: 'g', consumer: 'a', count: 100, blockMs: 20 })
      .pipe(take(3))
      .to(ackAfter(async (items: AsyncIterable<RedisStreamEntry>) => void seen.push(...numbers(await drain(items)))));
    expect(seen).toEqual([0, 1, 2]);
    // node-redis 6 turns each group's reply into an object.
    const [info] = (await adminSend(['XINFO', 'GROUPS', stream])) as Record<string, unknown>[];
    expect(info!['entries-read']).toBe(3);
  });

  it('leaves what a failing sink did not write pending, and another consumer claims exactly that', async () => {
    const client = await testClient(kind);
    const stream = streamName('fail');
    await fill(stream, 500);
    const written: number[] = [];
    const boom = new Error('disk full');
    const failing: Sink<RedisStreamEntry[], void> = async (batches) => {
      for await (const rows of batches) {
        if (rows.some((r) => r.fields.n === '230')) throw boom;
        written.push(...numbers(rows));
      }
    };
    const base = { client, stream, group: 'g', count: 32, blockMs: 20, untilIdle: true };
    await expect(
      fromRedisStream({ ...base, consumer: 'a' })
        .pipe(buffer(64), batch(20))
        .to(ackAfter(failing)),
    ).rejects.toBe(boom);
    const pending = await pendingCount(stream, 'g');
    expect(pending).toBeGreaterThan(0);
    expect(written.length + pending).toBeLessThanOrEqual(500);
    const after: number[] = [];
    await fromRedisStream({ ...base, consumer: 'b', claimIdleMs: 0 })
      .pipe(batch(20))
      .to(
        ackAfter(async (batches: AsyncIterable<RedisStreamEntry[]>) => {
          for await (const rows of batches) after.push(...numbers(rows));
        }),
      );
    expect(new Set([...written, ...after]).size).toBe(500);
    expect(written.filter((n) => after.includes(n))).toEqual([]);
    expect(await pendingCount(stream, 'g')).toBe(0);
  });

  // 50 ms of wall clock on a shared 2-core machine: a retry absorbs a burst of load from elsewhere.
  it('ends a run aborted during a blocking read within 50 ms, leaving no connection, listener or timer', {
    retry: 2,
  }, async () => {
    const name = `sluice-abort-${process.pid}-${Date.now()}`;
    const client = await testClient(kind, name);
    const copies = watchDuplicates(client);
    const stream = streamName('abort');
    const controller = new AbortController();
    const resources = process.getActiveResourcesInfo().length;
    let blocked!: () => void;
    const reading = new Promise<void>((resolve) => (blocked = resolve));
    const run = fromRedisStream({ client, stream, group: 'g', consumer: 'a', blockMs: 10_000 })
      .pipe(buffer(4))
      .to(
        ackAfter(async (items: AsyncIterable<RedisStreamEntry>) => void (await drain(items))),
        { signal: controller.signal },
      );
    await blockedReader(name);
    blocked();
    await reading;
    const started = performance.now();
    controller.abort(new Error('stop'));
    await expect(run).rejects.toThrow('stop');
    expect(performance.now() - started).toBeLessThan(50);
    expect(copies.map(isOpen)).toEqual([false]);
    expect(await connectionCount(name)).toBe(1);
    expect(abortListenerCount(controller.signal)).toBe(0);
    expect(process.getActiveResourcesInfo().length).toBeLessThanOrEqual(resources);
  });

  /** A run blocked in XREADGROUP whose connection the server then kills (CLIENT KILL). */
  async function droppedWhileBlocking(onEntry: (entry: RedisStreamEntry) => void, signal?: AbortSignal) {
    const name = `sluice-dropped-${randomUUID()}`;
    const client = await testClient(kind, name);
    const copies = watchDuplicates(client);
    const stream = streamName('dropped');
    const sink = ackAfter(async (items: AsyncIterable<RedisStreamEntry>) => {
      for await (const entry of items) onEntry(entry);
    });
    const run = fromRedisStream({ client, stream, group: 'g', consumer: 'a', blockMs: 10_000 }).to(sink, { signal });
    // Handled from the start: the run may fail before CLIENT KILL's own reply is read.
    run.catch(() => undefined);
    await adminSend(['CLIENT', 'KILL', 'ID', await blockedReader(name)]);
    const expectClosed = async () => {
      expect(copies.map(isOpen)).toEqual([false]);
      expect(await connectionCount(name)).toBe(1);
    };
    return { name, stream, run, expectClosed };
  }

  // The two clients differ here, so each has its own behaviour; a test defined for one client
  // only (not skipped for the other) keeps the suite's count of skipped tests at zero.
  if (kind === 'node-redis')
    it('fails with the connection’s error when the server drops the blocking connection, leaving nothing open', async () => {
      const { run, expectClosed } = await droppedWhileBlocking(() => undefined);
      await expect(run).rejects.toThrow('Socket closed unexpectedly');
      await expectClosed();
    });

  if (kind === 'ioredis')
    it('goes on reading over ioredis’s reconnection when the server drops the blocking connection, and an abort still closes it', async () => {
      const controller = new AbortController();
      const first = deferred<string>();
      const { name, stream, run, expectClosed } = await droppedWhileBlocking(
        (entry) => first.resolve(entry.fields.n!),
        controller.signal,
      );
      // The read is sent again once the duplicate has reconnected: then the entry reaches it.
      await blockedReader(name);
      await adminSend(['XADD', stream, '*', 'n', '7']);
      expect(await first.promise).toBe('7');
      controller.abort(new Error('stop'));
      await expect(run).rejects.toThrow('stop');
      await expectClosed();
    });

  it('moves an entry delivered maxDeliveries times to the dead-letter stream and acks it', async () => {
    const client = await testClient(kind);
    const stream = streamName('dead');
    await fill(stream, 3);
    const base = {
      client,
      stream,
      group: 'g',
      blockMs: 20,
      untilIdle: true,
      claimIdleMs: 0,
      deadLetter: { maxDeliveries: 2 },
    };
    const poison = ackAfter(async (items: AsyncIterable<RedisStreamEntry>) => {
      for await (const e of items) if (e.fields.n === '2') throw new Error('poison');
    });
    // Two deliveries of entry 2, each ending in the failing sink (0 and 1 are acked the first time).
    await expect(fromRedisStream({ ...base, consumer: 'a' }).to(poison)).rejects.toThrow('poison');
    await expect(fromRedisStream({ ...base, consumer: 'b' }).to(poison)).rejects.toThrow('poison');
    await adminSend(['XADD', stream, '*', 'n', '3']);
    const seen: number[] = [];
    await fromRedisStream({ ...base, consumer: 'c' }).to(
      ackAfter(async (items: AsyncIterable<RedisStreamEntry>) => {
        for await (const e of items) seen.push(Number(e.fields.n));
      }),
    );
    expect(seen).toEqual([3]);
    const dead = (await adminSend(['XRANGE', `${stream}:dead`, '-', '+'])) as [string, string[]][];
    expect(dead.map(([, f]) => f)).toEqual([['n', '2', 'sluice:id', expect.any(String), 'sluice:deliveries', '2']]);
    expect(await pendingCount(stream, 'g')).toBe(0);
  });

  it('rejects a client that is not connected with a coded error on the first pull, sending nothing', async () => {
    const client = await closedClient(kind);
    const stream = streamName('closed');
    const pipeline = fromRedisStream({ client, stream, group: 'g', consumer: 'a', blockMs: 20, untilIdle: true });
    await expect(
      pipeline.to(ackAfter(async (items: AsyncIterable<RedisStreamEntry>) => void (await drain(items)))),
    ).rejects.toMatchObject({
      code: 'ERR_SLUICE_INVALID_OPTION',
      message: expect.stringContaining('is not connected'),
    });
    expect(Number(await adminSend(['EXISTS', stream]))).toBe(0);
  });

  it('fails with the server’s NOGROUP error when the group is destroyed under a run, leaving no connection open', async () => {
    const name = `sluice-nogroup-${randomUUID()}`;
    const client = await testClient(kind, name);
    const stream = streamName('nogroup');
    await fill(stream, 3);
    const seen: number[] = [];
    const sink = ackAfter(async (items: AsyncIterable<RedisStreamEntry>) => {
      for await (const e of items) {
        seen.push(Number(e.fields.n));
        await adminSend(['XGROUP', 'DESTROY', stream, 'g']);
      }
    });
    const run = fromRedisStream({ client, stream, group: 'g', consumer: 'a', count: 1, blockMs: 20 }).to(sink);
    await expect(run).rejects.toThrow(/^NOGROUP/);
    expect(seen).toEqual([0]);
    expect(await connectionCount(name)).toBe(1);
  });

  it('fails with the server’s WRONGTYPE error when the key is not a stream, leaving no connection open', async () => {
    const name = `sluice-wrongtype-${randomUUID()}`;
    const client = await testClient(kind, name);
    const stream = streamName('wrongtype');
    await adminSend(['SET', stream, 'not a stream']);
    const run = fromRedisStream({ client, stream, group: 'g', consumer: 'a', blockMs: 20, untilIdle: true }).to(
      ackAfter(async (items: AsyncIterable<RedisStreamEntry>) => void (await drain(items))),
    );
    await expect(run).rejects.toThrow(/^WRONGTYPE/);
    expect(await connectionCount(name)).toBe(1);
  });
});

describe('fromRedisStream options', () => {
  it('rejects bad options with coded errors', () => {
    const client = {
      sendCommand: async () => null,
      duplicate: () => client,
      connect: async () => undefined,
      destroy: () => undefined,
      on: () => client,
    };
    const ok = { client, stream: 's', group: 'g', consumer: 'c' };
    expect(() => fromRedisStream({ ...ok, client: {} as never })).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }),
    );
    expect(() => fromRedisStream({ ...ok, stream: '' })).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }),
    );
    expect(() => fromRedisStream({ ...ok, count: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE' }),
    );
    expect(() => fromRedisStream({ ...ok, blocMs: 1 } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }),
    );
    expect(() => fromRedisStream({ ...ok, deadLetter: { maxDeliveries: 0 } })).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE' }),
    );
  });
});

export type { Delivery };
