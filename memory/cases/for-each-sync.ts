import { from } from '@sluice/core';
import { forEach } from '@sluice/operators';
import { SYNC_READ, syncChunks, consume, runCase } from '../harness.js';

runCase(async () => {
  await from(syncChunks()).to(forEach((c) => consume(c.length)));
  // two synchronous source reads (see SYNC_READ); the chunk in the sink is part of them
  return 2 * SYNC_READ;
});
