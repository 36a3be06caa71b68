import { from } from '@sluice/core';
import { toNodeWritable } from '@sluice/adapters/node';
import { CHUNK, SYNC_READ, runCase, slowWritable, syncChunks } from '../harness.js';

runCase(async () => {
  await from(syncChunks()).to(toNodeWritable(slowWritable()));
  // one synchronous source read, the writable's highWaterMark and the chunk that overshoots it
  return SYNC_READ + 2 * CHUNK;
});
