import { from } from '@sluice/core';
import { toReadableStream } from '@sluice/adapters/web';
import { CHUNK, asyncChunks, consume, runCase } from '../harness.js';

runCase(async () => {
  for await (const c of toReadableStream(from(asyncChunks()))) await consume(c.length);
  // highWaterMark 0: the chunk being read and the one the pull produced
  return 2 * CHUNK;
});
