/**
 * A worker process: `node --import tsx --conditions=sluice-source worker.ts URL STREAM GROUP
 * CONSUMER DIR [claimIdleMs]`. Reports each file to its parent (when forked) and stops on SIGTERM.
 */
import { createClient } from 'redis';
import { runWorker } from './export.js';

const [url, stream, group, consumer, dir, claimIdleMs = '30000'] = process.argv.slice(2) as string[];
const client = createClient({ url: url! });
await client.connect();
const controller = new AbortController();
process.once('SIGTERM', () => controller.abort(new Error('SIGTERM')));
try {
  const files = await runWorker({
    client,
    stream: stream!,
    group: group!,
    consumer: consumer!,
    dir: dir!,
    rowsPerFile: 500,
    claimIdleMs: Number(claimIdleMs),
    untilIdle: process.env.UNTIL_IDLE === '1',
    blockMs: 300,
    signal: controller.signal,
    onFile: (path, rows) => process.send?.({ path, rows }),
  });
  process.send?.({ done: files });
} finally {
  await client.close();
}
