import { from } from '@sluice/core';
import { deferred } from '@sluice/core/testing';
import { batch } from '@sluice/operators';
import { expect, it } from 'vitest';
import { toRedisStream } from './index.js';
import { adminSend, closedClient, describeRedisClients, streamName, testClient } from './test-server.js';

describeRedisClients('toRedisStream', (kind) => {
  it('appends every item in order, a batch per pipeline, and resolves to the count and the last id', async () => {
    const client = await testClient(kind);
    const stream = streamName('sink');
    const rows = Array.from({ length: 1234 }, (_, i) => ({ n: i, label: `row ${i}` }));
    const result = await from(rows).pipe(batch(100)).to(toRedisStream({ client, stream }));
    const entries = (await adminSend(['XRANGE', stream, '-', '+'])) as [string, string[]][];
    expect(entries.map(([, f]) => Number(f[1]))).toEqual(rows.map((r) => r.n));
    expect(entries[5]![1]).toEqual(['n', '5', 'label', 'row 5']);
    expect(result).toEqual({ written: 1234, lastId: entries.at(-1)![0] });
  });

  it('awaits the replies of one batch before pulling the next', async () => {
    const client = await testClient(kind);
    const stream = streamName('backpressure');
    const lengths: number[] = [];
    async function* source() {
      for (let i = 0; i < 5; i++) {
        // Everything handed over before this pull is already on the server.
        lengths.push(Number(await adminSend(['XLEN', stream])));
        yield Array.from({ length: 50 }, (_, j) => ({ n: i * 50 + j }));
      }
    }
    await from(source).to(toRedisStream({ client, stream }));
    expect(lengths).toEqual([0, 50, 100, 150, 200]);
  });

  it('trims the stream to about maxLen entries', async () => {
    const client = await testClient(kind);
    const stream = streamName('trim');
    await from(Array.from({ length: 5000 }, (_, n) => ({ n })))
      .pipe(batch(500))
      .to(toRedisStream({ client, stream, maxLen: 1000 }));
    const length = Number(await adminSend(['XLEN', stream]));
    expect(length).toBeGreaterThanOrEqual(1000);
    expect(length).toBeLessThan(5000);
  });

  it('rejects an abort with its reason and an item that is not a field object with a coded error', async () => {
    const client = await testClient(kind);
    const stream = streamName('abort');
    const controller = new AbortController();
    const gate = deferred();
    async function* source() {
      yield { n: 1 };
      controller.abort(new Error('stop'));
      await gate.promise;
    }
    await expect(from(source).to(toRedisStream({ client, stream }), { signal: controller.signal })).rejects.toThrow(
      'stop',
    );
    await expect(from([{ n: 1 }, 'oops' as never]).to(toRedisStream({ client, stream }))).rejects.toMatchObject({
      code: 'ERR_SLUICE_INVALID_ARGUMENT',
    });
    expect(() => toRedisStream({ client, stream, maxLen: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_OPTION_OUT_OF_RANGE' }),
    );
  });

  it('rejects a client that is not connected with a coded error, appending nothing', async () => {
    const client = await closedClient(kind);
    const stream = streamName('closed');
    await expect(from([{ n: 1 }]).to(toRedisStream({ client, stream }))).rejects.toMatchObject({
      code: 'ERR_SLUICE_INVALID_OPTION',
      message: expect.stringContaining('is not connected'),
    });
    expect(Number(await adminSend(['EXISTS', stream]))).toBe(0);
  });
});
