import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * `Promise.race` adds a reaction to every promise it is given and never removes it: raced again
 * and again against a promise that stays pending (a run's failure, a pull that outlives many
 * timers), it keeps every race, and what each settled with, reachable until that promise settles.
 * The kit's `raceSignal` follows a promise with one shared reaction instead. This scan keeps new
 * sites out; an exception needs a line here saying why the other promise is short-lived.
 */
const ALLOWED: Record<string, { readonly most: number; readonly why: string }> = {
  // The runner lane's files (the Run split moves these from run.ts into cleanup-ledger.ts; drop
  // run.ts's entry once that lands): raceTimer and the late-cleanup wait race a timer or a
  // macrotask made for that one wait, and Run.race races the run's failure once per run.
  'core/src/internal/run.ts': { most: 4, why: 'each awaited once per run, against a fresh timer or the run failing' },
  'core/src/internal/cleanup-ledger.ts': { most: 2, why: 'each races a timer or macrotask made for that one wait' },
};

const packagesDir = fileURLToPath(new URL('../../', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return /\.ts$/.test(entry.name) && !/\.test(-d)?\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** `Promise.race(` sites per file (relative to packages/). */
function raceSites(): Record<string, number> {
  const sites: Record<string, number> = {};
  for (const pkg of readdirSync(packagesDir)) {
    let files: string[];
    try {
      files = sourceFiles(join(packagesDir, pkg, 'src'));
    } catch {
      continue;
    }
    for (const file of files) {
      const count = readFileSync(file, 'utf8').split('Promise.race(').length - 1;
      if (count > 0) sites[relative(packagesDir, file)] = count;
    }
  }
  return sites;
}

describe('no Promise.race against a long-lived promise', () => {
  it('finds Promise.race( in packages/*/src (tests excluded) only where the allowlist explains it', () => {
    const unexplained = Object.entries(raceSites()).filter(([file, count]) => count > (ALLOWED[file]?.most ?? 0));
    expect(unexplained).toEqual([]);
  });
});
