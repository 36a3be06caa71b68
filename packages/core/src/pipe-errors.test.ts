import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('../fixtures/pipe-mismatch/', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/** Where `word` starts (1-based line and column) in the fixture line that contains `marker`. */
function position(marker: string, word: string, occurrence = 1): string {
  const lines = readFileSync(`${fixture}mismatch.ts`, 'utf8').split('\n');
  const line = lines.findIndex((l) => l.includes(marker));
  let column = -1;
  for (let i = 0; i < occurrence; i++) column = lines[line]!.indexOf(word, column + 1);
  return `mismatch.ts(${line + 1},${column + 1})`;
}

describe('pipe() type errors, as tsc prints them', () => {
  it('are reported on the stage that cannot take its input, with no overload list', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      tsc,
      '--noEmit',
      '--pretty',
      'false',
      '-p',
      fixture,
    ]).catch((error: { stdout: string }) => error);
    const output = stdout.replace(/^\S*mismatch\.ts/gm, 'mismatch.ts');
    expect(output).not.toMatch(/Overload/);
    // One message per mismatch: the argument line, then the one line that names both item types.
    const errors = output.split(/\n(?=\S)/).filter(Boolean);
    expect(errors.map((e) => e.slice(0, e.indexOf(':')))).toEqual([
      position('export const third', 'length', 2),
      position('export const first', 'toText'),
      position('export const inChain', 'toText', 2),
    ]);
    // After the first stage, the message is two lines that name both item types. The first stage is
    // checked against the pipeline's item type by the compiler's own (longer) message: a check type
    // there would make Pipeline<T> invariant (pipe-types.ts).
    for (const error of [errors[0]!, errors[2]!]) {
      expect(error.trim().split('\n')).toHaveLength(2);
      expect(error).not.toMatch(/asyncIterator|IteratorResult/);
    }
    expect(errors[0]).toContain('StageMismatch<{ receives: number; takes: string; }>');
    expect(errors[1]).toContain("is not assignable to parameter of type 'Stage<string, string>'");
    expect(errors[2]).toContain('StageMismatch<{ receives: string; takes: number; }>');
  }, 60_000);
});
