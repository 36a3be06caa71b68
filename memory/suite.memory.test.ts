/**
 * The memory suite: every sink, adapter and source kind, each in its own child process under
 * `--max-old-space-size=64`, pushing 150 MB and then 300 MB of fresh 64 KiB chunks into a slow
 * consumer. Memory is what stays reachable, so each case must stay under a bound made of what it
 * documents it holds (highWaterMarks, one batch, its queue) plus a fixed slack, at both volumes,
 * and the larger volume must not hold meaningfully more than the smaller. Then a 1 GB CSV soak.
 * Every number is printed and written to `build/memory-node<major>.json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import { MiB, describe as peaks, runMemoryCase, type CaseResult } from './run.js';

const SMALL = 150;
const LARGE = 300;
const SOAK = 1024;

/**
 * Slack over what a case documents, in bytes above the child's own baseline. `held` is measured
 * right after a full GC (what stays reachable); the raw peaks also count garbage the GC has not
 * reached yet (it runs every 20 ms), so their slack is wider. A bug that keeps every chunk, or
 * reads a thousand chunks ahead, is far above both.
 */
const HELD_ARRAY_BUFFERS = 2 * MiB;
const RAW_ARRAY_BUFFERS = 32 * MiB;
const HELD_HEAP = 8 * MiB;
const RAW_HEAP = 32 * MiB;
const RAW_RSS = 64 * MiB;
/** How much more the larger volume may hold than the smaller: run-to-run noise, not growth. */
const GROWTH_HELD = 2 * MiB;
const GROWTH_RSS = 24 * MiB;

const results: CaseResult[] = [];

function expectBounded(r: CaseResult): void {
  const at = `${r.case} at ${r.mb} MB: ${peaks(r)}, documented ${(r.buffered / MiB).toFixed(2)} MiB`;
  expect(r.held.arrayBuffers, `${at}: arrayBuffers reachable`).toBeLessThanOrEqual(r.buffered + HELD_ARRAY_BUFFERS);
  expect(r.above.arrayBuffers, `${at}: arrayBuffers peak`).toBeLessThanOrEqual(r.buffered + RAW_ARRAY_BUFFERS);
  expect(r.held.heapUsed, `${at}: heap reachable`).toBeLessThanOrEqual(HELD_HEAP);
  expect(r.above.heapUsed, `${at}: heap peak`).toBeLessThanOrEqual(RAW_HEAP);
  expect(r.above.rss, `${at}: rss peak`).toBeLessThanOrEqual(r.buffered + RAW_RSS);
}

/** Runs a case at both volumes, one after the other, and checks both against the same bound. */
async function atTwoVolumes(name: string): Promise<void> {
  const small = await runMemoryCase(name, SMALL);
  const large = await runMemoryCase(name, LARGE);
  results.push(small, large);
  console.log(`${name}\n  ${SMALL} MB: ${peaks(small)}\n  ${LARGE} MB: ${peaks(large)}`);
  expectBounded(small);
  expectBounded(large);
  const grew = `${name}: ${SMALL} MB → ${LARGE} MB`;
  expect(large.held.arrayBuffers, `${grew}, arrayBuffers reachable`).toBeLessThanOrEqual(small.held.arrayBuffers + GROWTH_HELD);
  expect(large.held.heapUsed, `${grew}, heap reachable`).toBeLessThanOrEqual(small.held.heapUsed + GROWTH_HELD);
  expect(large.above.rss, `${grew}, rss peak`).toBeLessThanOrEqual(small.above.rss + GROWTH_RSS);
}

const CASES: readonly (readonly [name: string, sentence: string])[] = [
  ['plain-loop', 'the harness alone (a for await over an async generator, no sluice) holds one chunk'],
  ['to-node-writable', 'toNodeWritable holds its highWaterMark and one chunk, not what it wrote'],
  ['to-node-writable-sync', 'toNodeWritable fed by a synchronous source holds its highWaterMark and one source read'],
  ['to-file', 'toFile holds its file stream’s highWaterMark and one chunk'],
  ['send-pipeline', 'sendPipeline to a slow client over loopback holds the response’s highWaterMark and one chunk'],
  ['send-pipeline-gzip', 'sendPipeline with gzip to a slow client holds one zlib input and the response’s highWaterMark'],
  ['compose-pipeline', 'compose() inside stream.pipeline() holds its highWaterMarks and nothing it passed on'],
  ['to-readable-stream', 'toReadableStream read slowly holds the chunk being read and one pulled'],
  ['to-response', 'toResponse’s body read slowly holds the chunk being read and one pulled'],
  ['from-node-readable', 'fromNodeReadable holds the readable’s highWaterMark and the chunk in the sink'],
  ['from-readable-stream', 'fromReadableStream holds the stream’s queue and the chunk in the sink'],
  ['from-file', 'fromFile holds one highWaterMark-sized read and the chunk in the sink'],
  ['for-each-async', 'forEach with an async source holds one chunk'],
  ['for-each-sync', 'forEach with a synchronous source holds one source read, bounded by bytes'],
  ['reduce-async', 'reduce with an async source holds one chunk'],
  ['reduce-sync', 'reduce with a synchronous source holds one source read, bounded by bytes'],
  ['batch', 'batch(16) holds the batch being filled and the one in the sink'],
  ['buffer', 'buffer(32) holds 32 chunks and nothing that already went downstream'],
  ['tee', 'tee(2) into two slow branches holds its bufferSize'],
  ['merge', 'merge of two async sources holds one chunk per lane'],
  ['map-concurrent', 'map with concurrency 8 holds its tasks and the finished ones waiting their turn'],
];

describe.concurrent('memory stays bounded when the volume doubles (64 MB heap, 64 KiB chunks, slow consumer)', () => {
  for (const [name, sentence] of CASES) {
    test(`${sentence} (${name}, ${SMALL} and ${LARGE} MB)`, () => atTwoVolumes(name), 240_000);
  }
});

describe.concurrent('a 1 GB CSV export (synchronous rows → formatCsv → sink) completes under a 64 MB heap', () => {
  for (const [name, sentence] of [
    ['csv-soak-writable', 'through toNodeWritable into a slow writable'],
    ['csv-soak-http', 'through sendPipeline to a slow client over loopback'],
  ] as const) {
    test(`${sentence} (${name})`, async () => {
      // a full GC every 100 ms: the soak's heap holds rows and text, and a GC every 20 ms would double its time
      const r = await runMemoryCase(name, SOAK, 100);
      results.push(r);
      console.log(`${name}\n  ${SOAK} MB: ${peaks(r)}`);
      expectBounded(r);
    }, 600_000);
  }
});

afterAll(() => {
  const dir = new URL('../build/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL(`memory-node${process.versions.node.split('.')[0]}.json`, dir);
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  console.log(`memory results: ${file.pathname}`);
});
