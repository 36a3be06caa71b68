import { from } from '@sluice/core';
import { formatCsv } from '@sluice/operators';
import { toNodeWritable } from '@sluice/adapters/node';
import { CHUNK, runCase, slowWritable, volume } from '../harness.js';
import { csvRows } from '../rows.js';

const csv = csvRows(volume());
runCase(
  async () => {
    await from(csv.rows()).pipe(formatCsv()).to(toNodeWritable(slowWritable()));
    // rows of one source read, formatCsv's 64 KiB of text (UTF-16 in the heap), the writable's
    // highWaterMark and the chunk over it
    return 4 * CHUNK;
  },
  () => csv.size(),
);
