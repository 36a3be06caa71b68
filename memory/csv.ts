/**
 * The CSV cases: rows → `formatCsv()` → `toNodeWritable` into a slow writable, `volume()` bytes of
 * CSV, every byte checked at the consumer.
 */
import { from } from '@sluice/core';
import { formatCsv } from '@sluice/operators';
import { toNodeWritable } from '@sluice/adapters/node';
import { CHUNK, runCase, slowWritable, volume, type Documented } from './harness.js';
import { csvRows, formatCsvHolds, type CsvRows, type Row } from './rows.js';

/** What a CSV case holds when it documents nothing else: formatCsv's part and the writable's highWaterMark. */
export const CSV_TO_WRITABLE = formatCsvHolds() + CHUNK;

/**
 * Runs a CSV case whose rows come from `source` (`csv.rows()` or `csv.asyncRows()`); `outlier`
 * adds rows (see `csvRows`), `documented` is what the case holds.
 */
export function csvToSlowWritable(
  source: (csv: CsvRows) => Iterable<Row> | AsyncIterable<Row>,
  documented: Documented = CSV_TO_WRITABLE,
  outlier?: (id: number) => string | undefined,
): void {
  const csv = csvRows(volume(), outlier);
  runCase(
    async () => {
      await from(source(csv)).pipe(formatCsv()).to(toNodeWritable(slowWritable()));
      return documented;
    },
    () => csv.size(),
  );
}
