// Redis Streams consumer-group throughput: stream → map → sink with XACK after the sink, sluice's
// fromRedisStream + ackAfter against a hand-written XREADGROUP/XACK loop on the same server, the
// same client, the same COUNT and the same work per entry. Runs against the BUILT packages:
//   pnpm build && SLUICE_TEST_REDIS_URL=redis://127.0.0.1:PORT node bench/redis-stream.mjs [entries] [rounds]
// (or: bash .ci/services.sh node bench/redis-stream.mjs). Each round reads the whole stream with a
// fresh group; contenders alternate, the median is reported.
import { ackAfter } from '@sluice/core';
import { map } from '@sluice/operators';
import { fromRedisStream } from '@sluice/adapters/redis';
import { createClient } from 'redis';

const N = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 7);
const COUNT = 500;
const url = process.env.SLUICE_TEST_REDIS_URL;
if (!url) {
  console.error('set SLUICE_TEST_REDIS_URL (or run under bash .ci/services.sh)');
  process.exit(1);
}
const client = createClient({ url });
await client.connect();
const stream = `sluice-bench:${process.pid}`;
await client.sendCommand(['DEL', stream]);
for (let i = 0; i < N; i += 1000) {
  await Promise.all(
    Array.from({ length: Math.min(1000, N - i) }, (_, j) =>
      client.sendCommand(['XADD', stream, '*', 'id', String(i + j), 'total', String((i + j) * 1.5)]),
    ),
  );
}

const work = (fields) => Number(fields.total) * 2;

async function handLoop(group) {
  await client.sendCommand(['XGROUP', 'CREATE', stream, group, '0']);
  const reader = client.duplicate();
  await reader.connect();
  let sum = 0;
  for (;;) {
    const reply = await reader.sendCommand([
      'XREADGROUP',
      'GROUP',
      group,
      'c',
      'COUNT',
      String(COUNT),
      'BLOCK',
      '1',
      'STREAMS',
      stream,
      '>',
    ]);
    const entries = reply ? Object.values(reply)[0] : [];
    if (!entries || entries.length === 0) break;
    const ids = [];
    for (const [id, flat] of entries) {
      const fields = {};
      for (let i = 0; i < flat.length; i += 2) fields[flat[i]] = flat[i + 1];
      sum += work(fields);
      ids.push(id);
    }
    await client.sendCommand(['XACK', stream, group, ...ids]);
  }
  reader.destroy();
  return sum;
}

async function sluice(group) {
  let sum = 0;
  await fromRedisStream({ client, stream, group, consumer: 'c', count: COUNT, blockMs: 1, untilIdle: true })
    .pipe(map((d) => ({ ...d, value: work(d.value.fields) })))
    .to(
      ackAfter(async (values) => {
        for await (const v of values) sum += v;
      }),
    );
  return sum;
}

const contenders = { 'hand-written XREADGROUP/XACK loop': handLoop, 'fromRedisStream → map → ackAfter(sink)': sluice };
const times = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
let round = 0;
for (let r = 0; r < ROUNDS; r++) {
  const order = Object.entries(contenders);
  if (r % 2) order.reverse();
  for (const [name, fn] of order) {
    const group = `g${round++}`;
    const t = performance.now();
    const sum = await fn(group);
    times[name].push(performance.now() - t);
    const [pending] = await client.sendCommand(['XPENDING', stream, group]);
    if (Number(pending) !== 0 || sum !== N * (N - 1) * 1.5) throw new Error(`${name}: pending ${pending}, sum ${sum}`);
  }
}
const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
const [base, ours] = Object.values(times).map(median);
for (const [name, xs] of Object.entries(times))
  console.log(
    `${name.padEnd(42)} median ${median(xs).toFixed(0)} ms  (${((N / median(xs)) * 1000).toFixed(0)} entries/s)`,
  );
console.log(`ratio sluice / hand loop: ${(ours / base).toFixed(2)}x  (${N} entries, COUNT ${COUNT}, ${ROUNDS} rounds)`);
await client.sendCommand(['DEL', stream]);
await client.close();
