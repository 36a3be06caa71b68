import { from } from '@sluice/core';
import { formatCsv } from '@sluice/operators';
import { CHUNK, runCase, volume } from '../harness.js';
import { sendToSlowClient } from '../http.js';
import { csvRows } from '../rows.js';

const csv = csvRows(volume());
runCase(
  async () => {
    await sendToSlowClient(() => from(csv.rows()).pipe(formatCsv()), false);
    // rows of one source read, formatCsv's 64 KiB of text, the response's highWaterMark and the
    // chunk over it, the client's socket and writable buffers
    return 5 * CHUNK;
  },
  () => csv.size(),
);
