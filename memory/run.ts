/**
 * The parent side of the memory suite: runs one case script in its own Node process (the Node
 * running this file) under a 64 MB heap, from the TypeScript sources through tsx and the
 * `sluice-source` condition, and returns the result line the child printed.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const MiB = 1024 * 1024;

export interface Peaks {
  readonly rss: number;
  readonly heapUsed: number;
  readonly arrayBuffers: number;
}

/** What a case child reports: peaks above its baseline, raw (`above`) and after a full GC (`held`). */
export interface CaseResult {
  readonly case: string;
  readonly node: string;
  readonly mb: number;
  readonly bytes: number;
  readonly ms: number;
  readonly samples: number;
  readonly above: Peaks;
  readonly held: Peaks;
  /** What the case documents it may hold at once. */
  readonly buffered: number;
  /** For a case with a burst: what it documents it may hold once the burst is over (see `settle()`). */
  readonly settled?: number;
  /** For a case with a burst: the held peaks up to `settle()`; `held` is then what came after. */
  readonly heldBefore?: Peaks;
}

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * The child's command line: also used to print how to rerun a case by hand. The young generation
 * is pinned to what Node 20 and 22 give a 64 MB old space (semi-spaces of 16 MB): Node 24 sizes it
 * from the machine's memory instead (semi-spaces of 64 MB here, a heap limit of 256 MB), and a
 * case that allocates many short-lived objects (rows) then grows its RSS by ~140 MiB of young
 * generation over the first few hundred MB, whatever it keeps.
 */
export function caseArgs(name: string, mb: number): string[] {
  return [
    '--max-old-space-size=64',
    '--max-semi-space-size=16',
    '--expose-gc',
    '--no-concurrent-array-buffer-sweeping',
    '--conditions=sluice-source',
    '--import=tsx',
    `memory/cases/${name}.ts`,
    `--mb=${mb}`,
  ];
}

/**
 * Runs case `name` at `mb` megabytes. Rejects when the child fails, with its exit, the last
 * progress it reported (how far it got, what it held) and the end of its stderr.
 */
export function runMemoryCase(name: string, mb: number): Promise<CaseResult> {
  const args = caseArgs(name, mb);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err = (err + s).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const lines = out
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('{'));
      const last =
        lines.length > 0 ? (JSON.parse(lines[lines.length - 1]!) as CaseResult & { kind: string }) : undefined;
      if (code === 0 && last?.kind === 'result') return resolve(last);
      const got = last === undefined ? 'no progress' : `got to ${(last.bytes / MiB).toFixed(0)} MiB, ${describe(last)}`;
      reject(
        new Error(
          `${name} at ${mb} MB exited ${signal ?? code}: ${got}\n$ node ${args.join(' ')}\n${err.slice(-1500)}`,
        ),
      );
    });
  });
}

/** One line: the raw and held peaks above the baseline, in MiB. */
export function describe(r: Pick<CaseResult, 'above' | 'held' | 'heldBefore'>): string {
  const f = (n: number) => (n / MiB).toFixed(1);
  const before = r.heldBefore;
  const held = (pick: (p: Peaks) => number) =>
    before === undefined ? f(pick(r.held)) : `${f(pick(before))} then ${f(pick(r.held))}`;
  return (
    `arrayBuffers ${f(r.above.arrayBuffers)} (held ${held((p) => p.arrayBuffers)}), ` +
    `heapUsed ${f(r.above.heapUsed)} (held ${held((p) => p.heapUsed)}), rss ${f(r.above.rss)} MiB`
  );
}
