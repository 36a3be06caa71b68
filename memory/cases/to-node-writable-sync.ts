import { from } from '@sluice/core';
import { toNodeWritable } from '@sluice/adapters/node';
import { CHUNK, runCase, slowWritable, syncChunks } from '../harness.js';

runCase(async () => {
  await from(syncChunks()).to(toNodeWritable(slowWritable()));
  // the writable's highWaterMark and the chunk that overshoots it, one source read
  return 3 * CHUNK;
});
