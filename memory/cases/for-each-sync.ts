import { from } from '@sluice/core';
import { forEach } from '@sluice/operators';
import { CHUNK, syncChunks, consume, runCase } from '../harness.js';

runCase(async () => {
  await from(syncChunks()).to(forEach((c) => consume(c.length)));
  // one source read, the chunk in the sink
  return 2 * CHUNK;
});
