import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { afterAll, describe, expect, it } from 'vitest';
import { produceOrders } from './export.js';

const url = process.env.SLUICE_TEST_REDIS_URL;
const dir = mkdtempSync(join(tmpdir(), 'sluice-distributed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function worker(stream: string, consumer: string, claimIdleMs: number) {
  const child = fork(
    new URL('./worker.ts', import.meta.url),
    [url!, stream, 'export', consumer, dir, String(claimIdleMs)],
    {
      execArgv: ['--import', 'tsx', '--conditions=sluice-source'],
      env: { ...process.env, UNTIL_IDLE: '1' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const firstFile = new Promise<void>((resolve) => child.once('message', () => resolve()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, firstFile, exited };
}

const suite = url ? describe : process.env.CI ? describe : describe.skip;
if (!url && !process.env.CI)
  console.warn('[sluice] skipping the distributed export: set SLUICE_TEST_REDIS_URL or run under `. .ci/services.sh`');

suite('distributed export over a Redis consumer group', () => {
  it('exports every order to CSV files although a worker is killed and restarted while it runs', {
    timeout: 120_000,
  }, async () => {
    expect(url, 'SLUICE_TEST_REDIS_URL is not set: CI must run this test (source .ci/services.sh first)').toBeDefined();
    const client = createClient({ url: url! });
    await client.connect();
    const stream = `sluice-example:orders:${process.pid}:${Date.now()}`;
    try {
      await produceOrders(client, stream, 0, 10_000);
      const [a, b] = [worker(stream, 'a', 30_000), worker(stream, 'b', 30_000)];
      await b.firstFile;
      b.child.kill('SIGKILL');
      await b.exited;
      // More orders arrive while one worker is down; then it comes back and takes over what it held.
      await produceOrders(client, stream, 10_000, 5_000);
      const again = worker(stream, 'b', 0);
      expect(await again.exited).toBe(0);
      expect(await a.exited).toBe(0);
      const ids = new Map<number, number>();
      // A SIGKILL during a write can leave toFile's temporary file (a dotfile); never a partial CSV.
      const files = readdirSync(dir).filter((f) => !f.startsWith('.'));
      expect(files.filter((f) => !f.endsWith('.csv'))).toEqual([]);
      for (const file of files) {
        const [header, ...rows] = readFileSync(join(dir, file), 'utf8').trim().split('\n');
        expect(header).toBe('id,customer,total');
        for (const row of rows) ids.set(Number(row.split(',')[0]), (ids.get(Number(row.split(',')[0])) ?? 0) + 1);
      }
      const duplicates = [...ids.values()].reduce((sum, n) => sum + n - 1, 0);
      console.log(`[distributed export] ${files.length} files, ${ids.size} orders, ${duplicates} duplicates`);
      expect(ids.size).toBe(15_000);
      const [pending] = (await client.sendCommand(['XPENDING', stream, 'export'])) as [number];
      expect(Number(pending)).toBe(0);
    } finally {
      await client.sendCommand(['DEL', stream]);
      await client.close();
    }
  });
});
