import { from } from '@sluice/core';
import { toNodeWritable } from '@sluice/adapters/node';
import { CHUNK, asyncChunks, runCase, slowWritable } from '../harness.js';

runCase(async () => {
  await from(asyncChunks()).to(toNodeWritable(slowWritable()));
  // the writable's highWaterMark, the chunk that overshoots it, the source's batch of one
  return 3 * CHUNK;
});
