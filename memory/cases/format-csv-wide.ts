import { CHUNK, MiB, settle } from '../harness.js';
import { CSV_TO_WRITABLE, csvToSlowWritable } from '../csv.js';
import { formatCsvHolds } from '../rows.js';

const WIDE = 4 * MiB;

/**
 * The notes of the wide rows, made when their row is, so the case keeps none of them. Each is far
 * enough from the others to be formatted in a batch of its own (1024 rows).
 */
function outlier(id: number): string | undefined {
  if (id === 1) return 'x'.repeat(WIDE);
  // quoted, every quote doubled: the buffer reserves twice the cell while writing it
  if (id === 3000) return `"${'a "b", c '.repeat(WIDE / 10)}`;
  // a character above U+00FF: the cell is kept as a string of its own, outside the buffer
  if (id === 6000) return `€${'y'.repeat(MiB)}`;
  // far enough past the last wide row that its chunk has left the writable
  if (id === 20_000) settle();
  return undefined;
}

// while a wide row goes through: formatCsv's grown buffer and the chunk it emitted with the row,
// and the writable's highWaterMark; after it, what an ordinary CSV case holds
const documented = { buffered: formatCsvHolds(WIDE) + CHUNK, settled: CSV_TO_WRITABLE };
csvToSlowWritable((csv) => csv.rows(), documented, outlier);
