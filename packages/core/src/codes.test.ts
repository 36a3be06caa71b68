import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url).pathname;
/** An error code (`ERR_SLUICE_…`) or a warning code (`SLUICE_…_ERROR`), quoted or not. */
const CODE = /\bERR_SLUICE_[A-Z_]*[A-Z]\b|(?<!ERR_)\bSLUICE_[A-Z_]*_ERROR\b/g;

/** Every `.ts` file under `dir` but this one, tests included: a code a test expects is a code users can meet. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && entry.name !== 'codes.test.ts')
    .map((entry) => join(entry.parentPath, entry.name));
}

function codesIn(text: string): Set<string> {
  return new Set(text.match(CODE) ?? []);
}

const used = new Set(
  ['core', 'operators', 'adapters'].flatMap((pkg) =>
    sources(join(root, 'packages', pkg, 'src')).flatMap((file) => [...codesIn(readFileSync(file, 'utf8'))]),
  ),
);
const declared = codesIn(readFileSync(join(root, 'packages/core/src/codes.ts'), 'utf8'));
const documented = new Set(
  [...readFileSync(join(root, 'docs/errors.md'), 'utf8').matchAll(/^\| `((?:ERR_)?SLUICE_[A-Z_]+)` \|/gm)].map(
    (m) => m[1]!,
  ),
);

describe('the error-code catalogue', () => {
  it('finds the codes it checks (the grep itself works)', () => {
    expect(used).toContain('ERR_SLUICE_INVALID_ARGUMENT');
    expect(used).toContain('ERR_SLUICE_HEADERS_SENT');
    expect(used).toContain('SLUICE_CLEANUP_ERROR');
    expect('ERR_SLUICE_A_B, SLUICE_C_ERROR; not ERR_SLUICE_ nor SLUICE_TEST_URL'.match(CODE)).toEqual([
      'ERR_SLUICE_A_B',
      'SLUICE_C_ERROR',
    ]);
  });

  it('declares every code the three packages use in the SluiceErrorCode and SluiceWarningCode unions of codes.ts', () => {
    expect([...used].filter((code) => !declared.has(code))).toEqual([]);
  });

  it('documents every declared code in a row of docs/errors.md, and nothing else', () => {
    expect([...declared].filter((code) => !documented.has(code))).toEqual([]);
    expect([...documented].filter((code) => !declared.has(code))).toEqual([]);
  });
});
