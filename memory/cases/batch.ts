import { from } from '@sluice/core';
import { batch, forEach } from '@sluice/operators';
import { CHUNK, asyncChunks, consume, runCase } from '../harness.js';

runCase(async () => {
  await from(asyncChunks())
    .pipe(batch(16))
    .to(
      forEach(async (group: Buffer[]) => {
        for (const c of group) await consume(c.length);
      }),
    );
  // the batch being filled and the one in the sink (16 chunks each)
  return 33 * CHUNK;
});
