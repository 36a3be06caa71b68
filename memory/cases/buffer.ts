import { from } from '@sluice/core';
import { buffer, forEach } from '@sluice/operators';
import { CHUNK, asyncChunks, consume, runCase } from '../harness.js';

runCase(async () => {
  await from(asyncChunks())
    .pipe(buffer(32))
    .to(forEach((c: Buffer) => consume(c.length)));
  // buffer(32), the chunk it is pulling, the chunk in the sink
  return 34 * CHUNK;
});
