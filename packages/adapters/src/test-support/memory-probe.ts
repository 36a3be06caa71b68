import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Test kit for memory regressions: a scenario runs in its own child process under a small heap
 * (`--max-old-space-size`, default 64 MiB) and reports the most memory it ever held. Not part of
 * the public API.
 *
 * Parent side: `measureInChild(scenarioUrl, args)`. Child side: the scenario module calls
 * `probeScenario(async (args, meter) => { … meter.sample() … })` at its top level.
 */

/** Peaks in bytes. `arrayBuffers` and `heapUsed` are read right after a full GC: what stays reachable. */
export interface MemoryPeaks {
  readonly arrayBuffers: number;
  readonly heapUsed: number;
  /** Resident set size, sampled without forcing a GC. */
  readonly rss: number;
  readonly samples: number;
}

export interface MeasureOptions {
  /** `--max-old-space-size` of the child, in MiB. Default 64. */
  readonly maxOldSpaceMiB?: number;
  /** Kills the child after this many milliseconds. Default 120 000. */
  readonly timeoutMs?: number;
}

const MARK = 'memory-probe:';
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/**
 * Runs the scenario module at `scenario` in a child process (the same Node binary as the caller,
 * TypeScript loaded through tsx, sources through the `sluice-source` condition) with `args`, and
 * resolves with its peaks. Rejects with the child's stderr when it fails, heap exhaustion included.
 */
export function measureInChild(
  scenario: URL,
  args: Readonly<Record<string, unknown>>,
  options: MeasureOptions = {},
): Promise<MemoryPeaks> {
  const flags = [
    `--max-old-space-size=${options.maxOldSpaceMiB ?? 64}`,
    '--expose-gc',
    '--conditions=sluice-source',
    '--import',
    'tsx',
    fileURLToPath(scenario),
    JSON.stringify(args),
  ];
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      flags,
      { cwd: ROOT, timeout: options.timeoutMs ?? 120_000, maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        const line = stdout.split('\n').find((l) => l.startsWith(MARK));
        if (error || line === undefined) {
          reject(
            new Error(
              `memory probe ${fileURLToPath(scenario)} failed (${error?.message ?? 'no result'}):\n${stderr.slice(-2000)}`,
            ),
          );
          return;
        }
        resolve(JSON.parse(line.slice(MARK.length)) as MemoryPeaks);
      },
    );
  });
}

/** The child's meter: call `sample()` as the scenario goes (every few chunks, not every chunk: each call runs a full GC). */
export class MemoryMeter {
  private arrayBuffers = 0;
  private heapUsed = 0;
  private rss = 0;
  private samples = 0;

  sample(): void {
    this.rss = Math.max(this.rss, process.memoryUsage.rss());
    (globalThis as { gc?: () => void }).gc?.();
    const usage = process.memoryUsage();
    this.arrayBuffers = Math.max(this.arrayBuffers, usage.arrayBuffers);
    this.heapUsed = Math.max(this.heapUsed, usage.heapUsed);
    this.samples++;
  }

  peaks(): MemoryPeaks {
    return { arrayBuffers: this.arrayBuffers, heapUsed: this.heapUsed, rss: this.rss, samples: this.samples };
  }
}

/** Child side: runs `body` with the parent's args, prints the peaks for the parent and exits. */
export function probeScenario<A>(body: (args: A, meter: MemoryMeter) => Promise<void>): void {
  const meter = new MemoryMeter();
  const args = JSON.parse(process.argv[2] ?? '{}') as A;
  body(args, meter).then(
    () => {
      meter.sample();
      process.stdout.write(`${MARK}${JSON.stringify(meter.peaks())}\n`, () => process.exit(0));
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`, () => process.exit(1));
    },
  );
}

export const MiB = 1024 * 1024;
