import type { ProgressSnapshot } from '@sluice/core';

/** Where progress goes: `process.stdout`, or anything with its `write` (and `isTTY`, `columns`). */
export interface ProgressOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;

/** Lines read so far: what the `splitLines` stage of `fromFile(path, { lines: true })` produced. */
function linesOf(snapshot: ProgressSnapshot): number {
  return snapshot.stages.find((stage) => stage.name === 'splitLines')?.itemsOut ?? 0;
}

/** One line of text for a snapshot: how far into the file, how fast, how many lines. */
export function describeProgress(snapshot: ProgressSnapshot, totalBytes: number, bytesPerSec: number): string {
  const read = snapshot.source.bytes;
  const percent = totalBytes > 0 ? Math.min(100, (read / totalBytes) * 100) : 100;
  const lines = linesOf(snapshot).toLocaleString('en-US');
  const state = snapshot.final ? `${snapshot.outcome}: ` : '';
  return `${state}${percent.toFixed(1)}% of ${mb(totalBytes)} read, ${mb(bytesPerSec)}/s, ${lines} lines`;
}

/**
 * An `onProgress` for a scan of a file of `totalBytes`. On a terminal it redraws one line in
 * place (`\r`) with a bar; elsewhere (a pipe, a CI log) it writes one plain line per snapshot, so
 * logs stay readable.
 */
export function progressBar(out: ProgressOutput, totalBytes: number): (snapshot: ProgressSnapshot) => void {
  let lastBytes = 0;
  let lastMs = 0;
  return (snapshot) => {
    const seconds = (snapshot.elapsedMs - lastMs) / 1000;
    const bytesPerSec = seconds > 0 ? (snapshot.source.bytes - lastBytes) / seconds : 0;
    lastBytes = snapshot.source.bytes;
    lastMs = snapshot.elapsedMs;
    const text = describeProgress(snapshot, totalBytes, bytesPerSec);
    if (!out.isTTY) {
      out.write(`${text}\n`);
      return;
    }
    const width = Math.max(10, Math.min(40, (out.columns ?? 80) - text.length - 4));
    const filled =
      totalBytes > 0 ? Math.round((Math.min(snapshot.source.bytes, totalBytes) / totalBytes) * width) : width;
    // \x1b[K clears what a longer previous line left at the end.
    out.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${text}\x1b[K${snapshot.final ? '\n' : ''}`);
  };
}
