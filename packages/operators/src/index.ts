/**
 * `@sluice/operators`: the stages (`map`, `filter`, `batch`, `formatCsv`, `gzip`, …) and the
 * terminals (`reduce`, `forEach`, `first`) to put between a source and a sink.
 *
 * @module @sluice/operators
 */
export { map, type MapFn, type ItemContext, type MapOptions } from './map.js';
export { mapConcurrent, type MapConcurrentOptions } from './map-concurrent.js';
export { filter, type Predicate } from './filter.js';
export { tap, type TapFn } from './tap.js';
export { take } from './take.js';
export { drop } from './drop.js';
export { takeWhile } from './take-while.js';
export { dropWhile } from './drop-while.js';
export { scan, type ScanFn } from './scan.js';
export { flatMap, type FlatMapFn, type FlatMapResult } from './flat-map.js';
export { reduce, type ReduceFn } from './reduce.js';
export { forEach, type ForEachFn } from './for-each.js';
export { first } from './first.js';
export { batch, type BatchOptions } from './batch.js';
export { buffer } from './buffer.js';
export { throttle, type ThrottleOptions } from './throttle.js';
export { retry, type RetryOptions, type RetryBackoff, type RetryContext } from './retry.js';
export { merge, type MergeInput } from './merge.js';
export { tee, type TeeOptions, type TeeBranch } from './tee.js';
export { formatCsv, CsvFormatError, type FormatCsvOptions, type CsvColumn, type CsvRow } from './format-csv.js';
export { parseCsv, CsvParseError, type ParseCsvOptions, type CsvCastContext } from './parse-csv.js';
export { splitLines, LineTooLongError, DEFAULT_MAX_LINE_LENGTH, type SplitLinesOptions } from './split-lines.js';
export { formatNdjson, NdjsonFormatError, type FormatNdjsonOptions } from './format-ndjson.js';
export { parseNdjson, NdjsonParseError, type ParseNdjsonOptions, type ParseNdjsonStats } from './parse-ndjson.js';
export { gzip, type GzipOptions, type GzipZlibOptions } from './gzip.js';
export { gunzip, type GunzipOptions, type GunzipZlibOptions } from './gunzip.js';
