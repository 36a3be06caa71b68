import { from } from '@sluice/core';
import { forEach, merge } from '@sluice/operators';
import { CHUNK, asyncChunks, consume, runCase, volume } from '../harness.js';

runCase(async () => {
  const half = volume() / 2;
  await from(asyncChunks(half))
    .pipe(merge(asyncChunks(half)))
    .to(forEach((c: Buffer) => consume(c.length)));
  // one arrived chunk per lane, the chunk in the sink
  return 3 * CHUNK;
});
