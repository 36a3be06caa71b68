import { Readable } from 'node:stream';
import { CHUNK, chunk, consume, runCase, volume } from '../harness.js';
runCase(async () => {
  let i = 0;
  const bytes = volume();
  const readable = new Readable({ highWaterMark: CHUNK, read() { this.push(i * CHUNK < bytes ? chunk(i++) : null); } });
  for await (const c of readable) await consume(c.length);
  return 3 * CHUNK;
});
