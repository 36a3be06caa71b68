import { from } from '@sluice/core';
import { toNodeWritable } from '@sluice/adapters/node';
import { CHUNK, SYNC_READ, runCase, slowWritable, syncChunks } from '../harness.js';

runCase(async () => {
  await from(syncChunks()).to(toNodeWritable(slowWritable()));
  // two synchronous source reads (see SYNC_READ), the writable's highWaterMark and the chunk over it
  return 2 * SYNC_READ + 2 * CHUNK;
});
