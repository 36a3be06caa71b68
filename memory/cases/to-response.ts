import { from } from '@sluice/core';
import { toResponse } from '@sluice/adapters/web';
import { CHUNK, asyncChunks, consume, runCase } from '../harness.js';

runCase(async () => {
  const body = toResponse(from(asyncChunks())).body;
  if (body === null) throw new Error('toResponse() gave no body');
  for await (const c of body) await consume(c.byteLength);
  // highWaterMark 0: the chunk being read and the one the pull produced
  return 2 * CHUNK;
});
