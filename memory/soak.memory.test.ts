/**
 * The 1 GB CSV soak: synchronous rows → formatCsv → a sink, under a 64 MB heap, through
 * toNodeWritable and through sendPipeline to a slow loopback client. One volume, the same bounds
 * as the per-case suite. It takes most of the memory suite's time, so `scripts/test-all.sh` runs
 * it on Node 20 only (project `memory-soak`); the per-case suite runs on every line.
 */
import { afterAll, describe, test } from 'vitest';
import { runBounded, writeResults } from './bounds.js';

const SOAK = 1024;

describe.concurrent('a 1 GB CSV export (synchronous rows → formatCsv → sink) completes under a 64 MB heap', () => {
  for (const [name, sentence] of [
    ['format-csv-sync', 'through toNodeWritable into a slow writable'],
    ['csv-soak-http', 'through sendPipeline to a slow client over loopback'],
  ] as const) {
    test(`${sentence} (${name})`, () => runBounded(name, SOAK), 600_000);
  }
});

afterAll(() => writeResults('memory-soak'));
