import { from } from '@sluice/core';
import { reduce } from '@sluice/operators';
import { SYNC_READ, syncChunks, consume, runCase } from '../harness.js';

runCase(async () => {
  const total = await from(syncChunks()).to(
    reduce(async (sum: number, c: Buffer) => {
      await consume(c.length);
      return sum + c.length;
    }, 0),
  );
  if (total === 0) throw new Error('reduce saw nothing');
  // two synchronous source reads (see SYNC_READ); the chunk in the reducer is part of them
  return 2 * SYNC_READ;
});
