import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const PACKAGES = ['core', 'operators', 'adapters'] as const;

export interface Output {
  stdout: string;
  stderr: string;
}

/** Runs a command with a bounded time; a failure carries the command's output in its message. */
export function run(cmd: string, args: string[], cwd: string, timeout = 120_000): Promise<Output> {
  return new Promise((done, fail) => {
    execFile(
      cmd,
      args,
      { cwd, timeout, maxBuffer: 16 << 20, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } },
      (error, stdout, stderr) => {
        if (error) fail(new Error(`${cmd} ${args.join(' ')} failed in ${cwd}: ${error.message}\n${stdout}\n${stderr}`));
        else done({ stdout, stderr });
      },
    );
  });
}

/** Runs a CLI shipped by a devDependency on the Node line under test. */
export function runBin(pkg: string, bin: string, args: string[], cwd: string): Promise<Output> {
  const dir = join(REPO, 'node_modules', pkg);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  const script = join(dir, manifest.bin[bin]!);
  return run(process.execPath, [script, ...args], cwd);
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** dist is what gets packed: rebuild when it is missing or older than any source file. */
export async function ensureBuilt(): Promise<void> {
  const stale = PACKAGES.some((p) => {
    const dist = join(REPO, 'packages', p, 'dist');
    try {
      return newestMtime(dist) < newestMtime(join(REPO, 'packages', p, 'src'));
    } catch {
      return true;
    }
  });
  if (stale) await run('pnpm', ['build'], REPO, 300_000);
}

/** Packs the three packages as pnpm publishes them and installs the tarballs with npm into a new app. */
export async function packAndInstall(): Promise<{ app: string; tarballs: Record<string, string> }> {
  const root = mkdtempSync(join(tmpdir(), 'sluice-pack-'));
  const dest = join(root, 'tarballs');
  const tarballs: Record<string, string> = {};
  for (const p of PACKAGES) {
    await run('pnpm', ['pack', '--pack-destination', dest], join(REPO, 'packages', p));
    tarballs[p] = join(dest, readdirSync(dest).find((f) => f.startsWith(`sluice-${p}-`))!);
  }
  const app = join(root, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'sluice-pack-app', private: true, type: 'module' }));
  // @opentelemetry/api: the optional peer a user of @sluice/adapters/opentelemetry installs.
  await run(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      ...Object.values(tarballs),
      '@opentelemetry/api@1.9.1',
    ],
    app,
  );
  return { app, tarballs };
}

/** The exports map a consumer gets: the workspace one without the `sluice-source` condition (ADR 0002). */
export function publishedExports(pkg: string): Record<string, unknown> {
  const manifest = JSON.parse(readFileSync(join(REPO, 'packages', pkg, 'package.json'), 'utf8')) as {
    exports: Record<string, unknown>;
  };
  return Object.fromEntries(
    Object.entries(manifest.exports).map(([key, target]) => {
      if (typeof target === 'string') return [key, target];
      const { 'sluice-source': _source, ...rest } = target as Record<string, string>;
      return [key, rest];
    }),
  );
}

/**
 * tsconfig for the app, strict like a careful consumer's, with Node's types from the repo.
 * Under NodeNext the declarations are checked too (skipLibCheck off) and the README blocks are
 * emitted to out/ to be run. Under Bundler only the app's files are checked: the declarations'
 * own errors do not depend on the resolution mode, their internal imports under bundler
 * resolution are attw's check, and checking @types/node twice costs 15 s a line on a loaded machine.
 */
export function writeTsconfig(app: string, resolution: 'NodeNext' | 'Bundler'): string {
  const name = `tsconfig.${resolution}.json`;
  const common = {
    target: 'ES2022',
    lib: ['ES2023'],
    strict: true,
    exactOptionalPropertyTypes: true,
    allowJs: true,
    types: ['node'],
  };
  const compilerOptions =
    resolution === 'NodeNext'
      ? {
          ...common,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          skipLibCheck: false,
          outDir: 'out',
          rootDir: '.',
          noEmitOnError: true,
        }
      : { ...common, module: 'ESNext', moduleResolution: 'Bundler', skipLibCheck: true, noEmit: true };
  const typeRoots = [join(REPO, 'node_modules/@types')];
  writeFileSync(
    join(app, name),
    JSON.stringify({ compilerOptions: { ...compilerOptions, typeRoots }, include: ['*.ts', '*.js'] }, null, 2),
  );
  return name;
}

/** Type-checks the app with the repo's TypeScript on the Node line under test. */
export function typecheck(app: string, resolution: 'NodeNext' | 'Bundler'): Promise<Output> {
  return run(
    process.execPath,
    [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', writeTsconfig(app, resolution)],
    app,
  );
}
