import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateLog, logLine } from './generate-log.js';
import { findFirstLine } from './scan.js';

const LINES = 200_000;
const ERROR_AT = 1_234;
let dir: string;
let path: string;
let size: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-log-scanner-'));
  path = join(dir, 'app.log');
  await generateLog(path, LINES, ERROR_AT);
  ({ size } = await stat(path));
});

afterAll(() => rm(dir, { recursive: true, force: true }));

/** File descriptors this process holds on `file` (Linux: read from /proc/self/fd). */
function descriptorsOn(file: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === file;
    } catch {
      return false; // the descriptor of the directory listing itself is gone by now
    }
  }).length;
}

/** A pattern that also records, on its first test, whether the log file is open. */
class WatchingPattern extends RegExp {
  openWhileScanning: number | undefined;
  override test(text: string): boolean {
    this.openWhileScanning ??= descriptorsOn(path);
    return super.test(text);
  }
}

describe('findFirstLine', () => {
  it('returns the first matching line and stops reading the file there', async () => {
    const { line, linesRead, report } = await findFirstLine(path, / ERROR /);

    expect(line).toBe(logLine(ERROR_AT, ERROR_AT));
    expect(report.outcome).toBe('stopped');
    expect(report.source.closedAtMs).not.toBeNull();
    // 64 KiB reads: the match is in the second one, so about 1,800 of 200,000 lines were read.
    expect(linesRead).toBeGreaterThan(ERROR_AT);
    expect(linesRead).toBeLessThan(LINES / 50);
    expect(report.source.items * 64 * 1024).toBeLessThan(size / 50);
  });

  it.runIf(existsSync('/proc/self/fd'))(
    'holds the file open while scanning and closes it when the line is found',
    async () => {
      const pattern = new WatchingPattern(' ERROR ');
      const { line } = await findFirstLine(path, pattern);

      expect(line).toBe(logLine(ERROR_AT, ERROR_AT));
      expect(pattern.openWhileScanning).toBe(1);
      expect(descriptorsOn(path)).toBe(0);
    },
  );

  it('reads the whole file and closes it when no line matches', async () => {
    const { line, linesRead, report } = await findFirstLine(path, / FATAL /);

    expect(line).toBeUndefined();
    expect(report.outcome).toBe('completed');
    expect(linesRead).toBe(LINES);
    expect(report.source.items).toBe(Math.ceil(size / (64 * 1024)));
    expect(report.source.closedAtMs).not.toBeNull();
  });

  it('stops at an abort and closes the file', async () => {
    const controller = new AbortController();
    const pattern = new (class extends RegExp {
      override test(text: string): boolean {
        controller.abort(new Error('user cancelled the scan'));
        return super.test(text);
      }
    })(' FATAL ');

    await expect(findFirstLine(path, pattern, { signal: controller.signal })).rejects.toThrow(
      'user cancelled the scan',
    );
    if (existsSync('/proc/self/fd')) expect(descriptorsOn(path)).toBe(0);
  });
});
