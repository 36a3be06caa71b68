import { fromFile } from '@sluice/adapters/fs';
import type { RunOptions, RunReport } from '@sluice/core';
import { filter, first } from '@sluice/operators';

export interface ScanResult {
  /** The first matching line, or undefined when no line matches. */
  readonly line: string | undefined;
  /** Lines read: what the `splitLines` stage of `fromFile(path, { lines: true })` produced. */
  readonly linesRead: number;
  /** The run's report: `source.items` is how many text chunks were read, `source.closedAtMs` when the file was closed. */
  readonly report: RunReport;
}

/** How to watch or stop a scan: the run's `signal`, and `onProgress` (see progress-bar.ts). */
export type ScanOptions = Pick<RunOptions, 'signal' | 'onProgress' | 'progressInterval'>;

/**
 * Finds the first line of a (possibly huge) log file that matches `pattern`. The file is read
 * 64 KiB at a time and closed as soon as a line matches: the rest is never read. (Pass a
 * pattern without the `g` or `y` flag: those make `test()` carry `lastIndex` from line to line.)
 */
export async function findFirstLine(path: string, pattern: RegExp, options: ScanOptions = {}): Promise<ScanResult> {
  let report: RunReport | undefined;
  const line = await fromFile(path, { lines: true })
    .pipe(filter((text) => pattern.test(text)))
    .to(first(), { ...options, onReport: (r) => (report = r) });
  const linesRead = report!.stages.find((stage) => stage.name === 'splitLines')?.itemsOut ?? 0;
  return { line, linesRead, report: report! };
}
