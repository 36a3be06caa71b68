import { from } from '@sluice/core';
import { reduce } from '@sluice/operators';
import { CHUNK, asyncChunks, consume, runCase } from '../harness.js';

runCase(async () => {
  const total = await from(asyncChunks()).to(
    reduce(async (sum: number, c: Buffer) => {
      await consume(c.length);
      return sum + c.length;
    }, 0),
  );
  if (total === 0) throw new Error('reduce saw nothing');
  // one source read, the chunk in the reducer
  return 2 * CHUNK;
});
