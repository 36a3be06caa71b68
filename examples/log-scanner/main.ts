/**
 * Finds the first ERROR in a large log file without reading the whole file.
 * Run: npx tsx --conditions=sluice-source examples/log-scanner/main.ts [file] [pattern]
 * (without a file, a 1,000,000-line log is generated in the temporary directory first).
 * Progress goes to stderr: a bar redrawn in place on a terminal, plain lines otherwise.
 */
import { stat, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateLog } from './generate-log.js';
import { progressBar } from './progress-bar.js';
import { findFirstLine } from './scan.js';

const [file, pattern = ' ERROR '] = process.argv.slice(2);
const path = file ?? join(tmpdir(), `sluice-log-scanner-${process.pid}.log`);
if (!file) await generateLog(path, 1_000_000, 1_234);

try {
  const { size } = await stat(path);
  const { line, linesRead, report } = await findFirstLine(path, new RegExp(pattern), {
    onProgress: progressBar(process.stderr, size),
    progressInterval: 100,
  });
  console.log(line ?? `no line matches ${pattern}`);
  console.log(
    `${report.outcome}: read ${linesRead.toLocaleString('en-US')} lines (${report.source.items} chunks) of a ${size.toLocaleString('en-US')}-byte file, ` +
      `file closed after ${report.source.heldMs.toFixed(1)} ms`,
  );
} finally {
  if (!file) await rm(path, { force: true });
}
