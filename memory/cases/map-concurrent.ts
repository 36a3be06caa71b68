import { setImmediate as immediate } from 'node:timers/promises';
import { from } from '@sluice/core';
import { forEach, map } from '@sluice/operators';
import { CHUNK, asyncChunks, consume, runCase } from '../harness.js';

runCase(async () => {
  await from(asyncChunks())
    .pipe(
      map(
        async (c: Buffer) => {
          await immediate();
          return c;
        },
        { concurrency: 8 },
      ),
    )
    .to(forEach((c: Buffer) => consume(c.length)));
  // eight in flight, eight finished waiting for their turn (ordered), the chunk in the sink
  return 17 * CHUNK;
});
