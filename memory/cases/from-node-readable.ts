import { Readable } from 'node:stream';
import { forEach } from '@sluice/operators';
import { fromNodeReadable } from '@sluice/adapters/node';
import { CHUNK, chunk, consume, runCase, volume } from '../harness.js';

runCase(async () => {
  let i = 0;
  const bytes = volume();
  const readable = new Readable({
    highWaterMark: CHUNK,
    read() {
      this.push(i * CHUNK < bytes ? chunk(i++) : null);
    },
  });
  await fromNodeReadable<Buffer>(readable).to(forEach((c) => consume(c.length)));
  // the readable's highWaterMark and the chunk over it, the chunk in the sink
  return 3 * CHUNK;
});
