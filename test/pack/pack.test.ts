import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, PACKAGES, packAndInstall, publishedExports, REPO, run, runBin, typecheck } from './pack-app.js';
import { readmeBlocks } from './readme-blocks.js';
import { brokenLinks, markdownFiles } from '../docs/links.js';

// The READMEs and the guides in docs/ whose examples run against the tarballs.
const GUIDES = ['writing-a-stage', 'sources-that-own-resources', 'choosing-a-database-driver', 'troubleshooting'].map(
  (g) => `docs/${g}.md`,
);
const readmes = ['README.md', ...PACKAGES.map((p) => `packages/${p}/README.md`), ...GUIDES, 'packages/core/KIT.md'];
const blocks = readmes.flatMap((f) => readmeBlocks(readFileSync(join(REPO, f), 'utf8'), f));
const runnable = blocks.filter((b) => b.mode === 'runnable').map((b, i) => ({ ...b, name: `readme-${i}.${b.lang}` }));

let app = '';
let tarballs: Record<string, string> = {};

beforeAll(async () => {
  await ensureBuilt();
  ({ app, tarballs } = await packAndInstall());
  // One import per public subpath, taken from the exports maps so a new subpath is checked too.
  const subpaths = PACKAGES.flatMap((p) =>
    Object.keys(publishedExports(p))
      .filter((key) => key !== './package.json')
      .map((key) => `@sluice/${p}${key.slice(1)}`),
  );
  writeFileSync(
    join(app, 'imports.ts'),
    subpaths
      .map((s, i) => `import * as m${i} from '${s}';\nexport const k${i}: string[] = Object.keys(m${i});\n`)
      .join(''),
  );
  for (const b of runnable) writeFileSync(join(app, b.name), `${b.code}\nexport {};\n`);
}, 300_000);

afterAll(async () => {
  if (app) await rm(dirname(app), { recursive: true, force: true });
});

describe.each(PACKAGES)('the packed @sluice/%s', (pkg) => {
  const unpacked = () => join(app, 'node_modules/@sluice', pkg);

  it('ships its README, the LICENSE and its docs next to dist', () => {
    expect(readFileSync(join(unpacked(), 'LICENSE'), 'utf8')).toBe(readFileSync(join(REPO, 'LICENSE'), 'utf8'));
    expect(readFileSync(join(unpacked(), 'README.md'), 'utf8')).toContain(`# @sluice/${pkg}`);
    if (pkg === 'core') expect(readFileSync(join(unpacked(), 'TESTING.md'), 'utf8')).toContain('@sluice/core/testing');
    if (pkg === 'core') expect(readFileSync(join(unpacked(), 'KIT.md'), 'utf8')).toContain('@sluice/core/kit');
  });

  it('packs dist, package.json, README, LICENSE and the docs its manifest lists: no sources, tests or build leftovers', async () => {
    const { stdout } = await run('tar', ['-tzf', tarballs[pkg]!], REPO);
    const files = stdout
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));
    const manifest = JSON.parse(readFileSync(join(REPO, 'packages', pkg, 'package.json'), 'utf8')) as {
      files: string[];
    };
    const docs = manifest.files.filter((f) => f.endsWith('.md'));
    expect(files.filter((f) => !f.startsWith('dist/')).sort()).toEqual(['LICENSE', 'package.json', ...docs].sort());
    expect(docs).toContain('README.md');
    expect(files.filter((f) => /\.(test|test-d|memory)\.|\.tsbuildinfo$|(^|\/)src\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.d.ts')).length).toBeGreaterThan(0);
  });

  it('has no Markdown link that points outside the installed package', () => {
    const packedDocs = markdownFiles(unpacked());
    expect(packedDocs.length).toBeGreaterThan(0);
    expect(brokenLinks(packedDocs, unpacked(), { within: unpacked() })).toEqual([]);
  });

  it('has the workspace exports without sluice-source, and versions for workspace:* dependencies', () => {
    const manifest = JSON.parse(readFileSync(join(unpacked(), 'package.json'), 'utf8'));
    expect(manifest.exports).toEqual(publishedExports(pkg));
    expect(manifest.sideEffects).toBe(false);
    for (const target of Object.values(manifest.exports)) {
      if (typeof target === 'object') expect(Object.keys(target as object)[0]).toBe('types');
    }
    for (const version of Object.values(manifest.dependencies ?? {})) expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    // npm satisfied them with the sibling tarballs, not with copies of its own.
    expect(existsSync(join(unpacked(), 'node_modules'))).toBe(false);
  });

  it('passes publint', async () => {
    const { stdout } = await runBin('publint', 'publint', ['run', '--strict', tarballs[pkg]!], REPO);
    expect(stdout).toContain('All good!');
  });

  it('passes attw for what it claims: ESM under node16/nodenext and bundler resolution', async () => {
    // The esm-only profile leaves out node10 and require() from CJS: the packages are ESM only.
    const { stdout } = await runBin(
      '@arethetypeswrong/cli',
      'attw',
      ['--profile', 'esm-only', '--format', 'json', tarballs[pkg]!],
      REPO,
    );
    const result = JSON.parse(stdout) as { analysis: { problems: { kind: string; resolutionKind?: string }[] } };
    const judged = result.analysis.problems.filter(
      (p) => p.resolutionKind !== 'node10' && p.resolutionKind !== 'node16-cjs',
    );
    expect(judged).toEqual([]);
  });
});

// The NodeNext check also emits the README blocks: compile once, check and run from that.
let nodeNext: Promise<unknown> | undefined;
const compileNodeNext = () => (nodeNext ??= typecheck(app, 'NodeNext'));

it('type-checks every public subpath, declarations included, and the README examples under NodeNext resolution', async () => {
  await expect(compileNodeNext()).resolves.toBeDefined();
});

it('type-checks every public subpath and the README examples under Bundler resolution', async () => {
  await expect(typecheck(app, 'Bundler')).resolves.toBeDefined();
});

it('marks every ts/js block of the READMEs runnable or not-run with a reason', () => {
  const unmarked = blocks.filter((b) => b.mode === 'unmarked').map((b) => `${b.file}:${b.line}`);
  expect(unmarked, 'write ```ts runnable or ```ts not-run: <reason>').toEqual([]);
  expect(runnable.length).toBeGreaterThanOrEqual(PACKAGES.length);
});

describe('README examples run as written against the installed tarballs', () => {
  beforeAll(() => compileNodeNext(), 120_000);

  it.each(runnable)('$file:$line', async (block) => {
    const { stderr } = await run(process.execPath, [join('out', block.name.replace(/\.ts$/, '.js'))], app, 30_000);
    expect(stderr).toBe('');
  });
});
