import { from } from '@sluice/core';
import { formatCsv } from '@sluice/operators';
import { CHUNK, runCase, volume } from '../harness.js';
import { sendToSlowClient } from '../http.js';
import { csvRows, formatCsvHolds } from '../rows.js';

const csv = csvRows(volume());
runCase(
  async () => {
    await sendToSlowClient(() => from(csv.rows()).pipe(formatCsv()), false);
    // formatCsv's buffer and the chunk it emitted, the response's highWaterMark, the client's
    // socket and writable buffers
    return formatCsvHolds() + 3 * CHUNK;
  },
  () => csv.size(),
);
