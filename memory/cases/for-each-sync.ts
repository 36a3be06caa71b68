import { from } from '@sluice/core';
import { forEach } from '@sluice/operators';
import { SYNC_READ, syncChunks, consume, runCase } from '../harness.js';

runCase(async () => {
  await from(syncChunks()).to(forEach((c) => consume(c.length)));
  // one synchronous source read (the chunk in the sink is part of it)
  return SYNC_READ;
});
