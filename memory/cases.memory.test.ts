/**
 * The memory suite: every sink, adapter and source kind, each in its own child process under
 * `--max-old-space-size=64`, pushing 150 MB and then 300 MB of fresh 64 KiB chunks into a slow
 * consumer. Memory is what stays reachable, so each case must stay under a bound made of what it
 * documents it holds (highWaterMarks, one batch, its queue) plus a fixed slack, at both volumes,
 * and the larger volume must not hold meaningfully more than the smaller. Every number is
 * printed and written to `build/memory-node<major>.json`.
 */
import { afterAll, describe, test } from 'vitest';
import { LARGE, SMALL, atTwoVolumes, writeResults } from './bounds.js';

const CASES: readonly (readonly [name: string, sentence: string])[] = [
  ['plain-loop', 'the harness alone (a for await over an async generator, no sluice) holds one chunk'],
  ['to-node-writable', 'toNodeWritable holds its highWaterMark and one chunk, not what it wrote'],
  ['to-node-writable-sync', 'toNodeWritable fed by a synchronous source holds its highWaterMark and one source read'],
  ['to-file', 'toFile holds its file stream’s highWaterMark and one chunk'],
  ['send-pipeline', 'sendPipeline to a slow client over loopback holds the response’s highWaterMark and one chunk'],
  [
    'send-pipeline-gzip',
    'sendPipeline with gzip to a slow client holds one zlib input and the response’s highWaterMark',
  ],
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
  ['format-csv-async', 'formatCsv of rows from an async generator holds its chunkSize and one batch of text'],
  ['format-csv-sync', 'formatCsv of rows from a synchronous generator holds its chunkSize and one batch of text'],
  [
    'format-csv-wide',
    'formatCsv lets go of the buffer a row wider than chunkSize grew, and holds its chunkSize again after it',
  ],
];

describe.concurrent('memory stays bounded when the volume doubles (64 MB heap, 64 KiB chunks, slow consumer)', () => {
  for (const [name, sentence] of CASES) {
    test(`${sentence} (${name}, ${SMALL} and ${LARGE} MB)`, () => atTwoVolumes(name), 240_000);
  }
});

afterAll(() => writeResults('memory'));
