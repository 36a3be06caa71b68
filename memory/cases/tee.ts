import { from } from '@sluice/core';
import { forEach, tee } from '@sluice/operators';
import { CHUNK, asyncChunks, consume, runCase, volume } from '../harness.js';

runCase(
  async () => {
    const [a, b] = tee<Buffer>(2, { bufferSize: 16 })(from(asyncChunks()));
    const slow = () => forEach((c: Buffer) => consume(c.length));
    await Promise.all([from(a!).to(slow()), from(b!).to(slow())]);
    // bufferSize 16 between the branches, the chunk in each sink
    return 18 * CHUNK;
  },
  () => 2 * volume(),
);
