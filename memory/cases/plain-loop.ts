import { CHUNK, asyncChunks, consume, runCase } from '../harness.js';

runCase(async () => {
  for await (const c of asyncChunks()) await consume(c.length);
  // no sluice: the floor of the harness itself, one chunk in the consumer
  return CHUNK;
});
