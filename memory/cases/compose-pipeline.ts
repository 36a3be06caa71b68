import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { map } from '@sluice/operators';
import { compose } from '@sluice/adapters/node';
import { CHUNK, asyncChunks, runCase, slowWritable } from '../harness.js';

runCase(async () => {
  await pipeline(
    Readable.from(asyncChunks(), { highWaterMark: 1 }),
    compose(
      map((c: Buffer) => c),
      { highWaterMark: 1 },
    ),
    slowWritable(),
  );
  // one object in the head, one in each side of the Duplex, one in the stage, the writable's
  // highWaterMark and the chunk over it
  return 6 * CHUNK;
});
