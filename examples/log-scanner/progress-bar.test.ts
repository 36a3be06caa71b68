import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { generateLog } from './generate-log.js';
import { progressBar, type ProgressOutput } from './progress-bar.js';
import { findFirstLine } from './scan.js';

const LINES = 20_000;
let dir: string;
let path: string;
let size: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-progress-bar-'));
  path = join(dir, 'app.log');
  await generateLog(path, LINES, -1);
  ({ size } = await stat(path));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

// The interval and the clock are fake; the file is read for real. The pattern moves the clock
// 100 ms forward at line 5,000, so exactly one snapshot is taken mid-scan.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

class TickingPattern extends RegExp {
  private seen = 0;
  override test(text: string): boolean {
    if (++this.seen === 5_000) vi.advanceTimersByTime(100);
    return super.test(text);
  }
}

function recorder(isTTY: boolean): ProgressOutput & { text: string } {
  return {
    isTTY,
    columns: 100,
    text: '',
    write(chunk: string) {
      this.text += chunk;
    },
  };
}

describe('progressBar', () => {
  it('writes one plain line per snapshot when the output is not a terminal', async () => {
    const out = recorder(false);
    const { line } = await findFirstLine(path, new TickingPattern(' FATAL '), {
      onProgress: progressBar(out, size),
      progressInterval: 100,
    });
    expect(line).toBeUndefined();
    expect(out.text).not.toContain('\r');
    const lines = out.text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(2);
    const [mid, last] = lines as [string, string];
    const percent = Number(/^([\d.]+)% of/.exec(mid)![1]);
    expect(percent).toBeGreaterThan(0);
    expect(percent).toBeLessThan(100);
    expect(mid).toMatch(/MB\/s, [\d,]+ lines$/);
    expect(last).toBe(
      `completed: 100.0% of ${(size / 1_048_576).toFixed(1)} MB read, ${last.split(', ')[1]}, ${LINES.toLocaleString('en-US')} lines`,
    );
  });

  it('redraws one line in place with a bar on a terminal, and ends it with a newline', async () => {
    const out = recorder(true);
    await findFirstLine(path, new TickingPattern(' FATAL '), {
      onProgress: progressBar(out, size),
      progressInterval: 100,
    });
    const frames = out.text.split('\r').slice(1);
    expect(out.text.startsWith('\r')).toBe(true);
    expect(frames).toHaveLength(2);
    expect(frames[0]).toMatch(/^\[#+-+\] [\d.]+% of/);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the bar ends with an erase-line escape
    expect(frames[1]).toMatch(/^\[#+\] completed: 100\.0% of .*\x1b\[K\n$/);
    expect(out.text.match(/\n/g)).toHaveLength(1);
  });
});
