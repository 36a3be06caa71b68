import { from } from '@sluice/core';
import { CHUNK, asyncChunks, runCase } from '../harness.js';
import { sendToSlowClient } from '../http.js';

runCase(async () => {
  await sendToSlowClient(() => from(asyncChunks()), false);
  // the response's highWaterMark and the chunk over it, the client's socket and writable buffers
  return 4 * CHUNK;
});
