import { describe, expect, it } from 'vitest';
import { readmeBlocks } from './readme-blocks.js';

describe('readmeBlocks', () => {
  it('reads the mode from the info string and needs a reason after not-run', () => {
    const md = [
      '```ts runnable',
      'a()',
      '```',
      '```js not-run: needs a database',
      'b()',
      '```',
      '```ts not-run:',
      'c()',
      '```',
      '```ts',
      'd()',
      '```',
    ].join('\n');
    expect(readmeBlocks(md, 'R.md').map((b) => [b.line, b.lang, b.mode, b.code])).toEqual([
      [1, 'ts', 'runnable', 'a()'],
      [4, 'js', 'not-run', 'b()'],
      [7, 'ts', 'unmarked', 'c()'],
      [10, 'ts', 'unmarked', 'd()'],
    ]);
  });

  it('skips other languages and does not read a fence inside a longer fence as a block', () => {
    const md = [
      '```sh',
      'npm i',
      '```',
      '````md',
      '```ts',
      'inner()',
      '```',
      '````',
      '  ```typescript runnable',
      '  indented()',
      '  ```',
    ].join('\n');
    expect(readmeBlocks(md, 'R.md').map((b) => [b.line, b.mode, b.code])).toEqual([[9, 'runnable', 'indented()']]);
  });
});
