import { from } from '@sluice/core';
import { forEach } from '@sluice/operators';
import { CHUNK, asyncChunks, consume, runCase } from '../harness.js';

runCase(async () => {
  await from(asyncChunks()).to(forEach((c) => consume(c.length)));
  // one source read, the chunk in the sink
  return 2 * CHUNK;
});
