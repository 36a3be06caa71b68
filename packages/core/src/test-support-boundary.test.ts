import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const packages = new URL('../../', import.meta.url).pathname;

/** Files only tests run: test files, child-process scenarios (`*.memory.ts`), and what they share. */
const testOnly = (path: string) =>
  /\.test(-d)?\.ts$|\.memory\.ts$|(^|\/)test-support\/|(^|\/)test-(server|driver)\.ts$|\/fixtures\//.test(path);

function sourcesOf(pkg: string): string[] {
  const src = join(packages, pkg, 'src');
  return readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.ts'))
    .map((path) => path.split('\\').join('/'));
}

describe('test-only modules', () => {
  for (const pkg of ['core', 'operators', 'adapters']) {
    it(`are never imported by a production module of ${pkg}, so its build cannot ship them`, () => {
      const offenders = sourcesOf(pkg)
        .filter((path) => !testOnly(path))
        .filter((path) =>
          /from '[^']*(test-support\/|\.test\.js'|test-server\.js'|test-driver\.js')/.test(
            readFileSync(join(packages, pkg, 'src', path), 'utf8'),
          ),
        );
      expect(offenders).toEqual([]);
    });
  }

  it('live in src/test-support/, not among the production internals', () => {
    const misplaced = ['core', 'operators', 'adapters'].flatMap((pkg) =>
      sourcesOf(pkg)
        .filter((path) => /(^|\/)internal\//.test(path) && !path.endsWith('.test.ts'))
        .filter((path) =>
          /from 'vitest'|from 'fast-check'/.test(readFileSync(join(packages, pkg, 'src', path), 'utf8')),
        )
        .map((path) => relative(packages, join(packages, pkg, 'src', path))),
    );
    expect(misplaced).toEqual([]);
  });
});
