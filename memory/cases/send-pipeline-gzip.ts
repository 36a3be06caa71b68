import { from } from '@sluice/core';
import { CHUNK, asyncChunks, runCase } from '../harness.js';
import { sendToSlowClient } from '../http.js';

runCase(async () => {
  await sendToSlowClient(() => from(asyncChunks()), true);
  // 64 KiB gathered per zlib write and zlib's own window, the response's highWaterMark, the
  // client's gunzip buffers
  return 6 * CHUNK;
});
