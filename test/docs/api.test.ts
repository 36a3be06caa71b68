import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { brokenLinks, markdownFiles } from './links.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'sluice-api-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Runs TypeDoc as `pnpm docs:api` does, into `dir`; resolves with its output, rejects with it on a warning. */
function typedoc(dir: string): Promise<string> {
  const bin = join(REPO, 'node_modules/typedoc/bin/typedoc');
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      [bin, '--out', dir],
      { cwd: REPO, timeout: 280_000, maxBuffer: 16 << 20, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } },
      (error, stdout, stderr) =>
        error
          ? fail(new Error(`typedoc failed (an undocumented export, a broken {@link} …):\n${stdout}${stderr}`))
          : done(stdout + stderr),
    );
  });
}

function tree(dir: string): Map<string, string> {
  return new Map(markdownFiles(dir).map((f) => [relative(dir, f), readFileSync(f, 'utf8')]));
}

describe('the API reference (docs/api, built by pnpm docs:api)', () => {
  const built = typedoc(out);
  built.catch(() => undefined); // reported by the tests that await it, even when a filter skips them

  it('builds with TypeDoc: every export of every public entry point documented, every {@link} resolved', async () => {
    await expect(built).resolves.toContain('generated');
  });

  it('is checked in up to date with the source comments (else run pnpm docs:api and commit docs/api)', async () => {
    await built;
    const fresh = tree(out);
    const committed = tree(join(REPO, 'docs/api'));
    const stale = [...new Set([...fresh.keys(), ...committed.keys()])]
      .filter((f) => fresh.get(f) !== committed.get(f))
      .sort();
    expect(stale, 'run `pnpm docs:api` and commit docs/api').toEqual([]);
  });

  it('documents one module per public subpath of the packages', async () => {
    await built;
    const index = readFileSync(join(out, 'README.md'), 'utf8');
    const modules = [...index.matchAll(/^- \[(@sluice\/[^\]]+)\]/gm)].map((m) => m[1]).sort();
    const subpaths = ['core', 'operators', 'adapters'].flatMap((p) => {
      const { exports } = JSON.parse(readFileSync(join(REPO, 'packages', p, 'package.json'), 'utf8')) as {
        exports: Record<string, unknown>;
      };
      return Object.keys(exports)
        .filter((k) => k !== './package.json')
        .map((k) => `@sluice/${p}${k.slice(1)}`);
    });
    expect(modules).toEqual(subpaths.sort());
  });
});

describe('relative links in the Markdown docs', () => {
  it('point at files that exist and headings that exist (README.md, docs/, the packages)', () => {
    const handWritten = [
      join(REPO, 'README.md'),
      ...markdownFiles(join(REPO, 'docs')).filter((f) => !f.includes('/docs/api/')),
      ...['core', 'operators', 'adapters'].flatMap((p) =>
        markdownFiles(join(REPO, 'packages', p)).filter((f) => !f.includes('/dist/')),
      ),
    ];
    expect(brokenLinks(handWritten, REPO)).toEqual([]);
  });

  it('in the generated reference point at files that exist', () => {
    expect(brokenLinks(markdownFiles(join(REPO, 'docs/api')), REPO, { checkAnchors: false })).toEqual([]);
  });
});
