/*
 * Runs every ```ts doctest block of the TSDoc in packages/<pkg>/src: the block becomes a module
 * (written under packages/<pkg>/build/doctest/, so its own imports resolve as that package's do:
 * `better-sqlite3` for an adapter) that sees every export of @sluice/core, @sluice/core/kit and
 * @sluice/operators, and of the adapters subpath its file lives in (all read from the sources),
 * plus `zlib`, `PassThrough`, `Readable`, `Writable` and `pipeline` from Node. Anything else a block
 * imports itself, with one-line `import … from '…';` statements, so that it can be pasted as it is;
 * a name it imports is not also given by the harness. A line `expression; // => value` asserts that
 * the (awaited) expression deep-equals `value`; any throw fails the example. The doc comment is the
 * only copy of an example.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Example {
  readonly file: string;
  readonly line: number;
  readonly code: string[];
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /(?<!\.test|\.test-d|\.d)\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** The ```ts doctest blocks of a file's doc comments, with the leading ` * ` taken off. */
function examplesIn(file: string, text: string): Example[] {
  const examples: Example[] = [];
  let current: Example | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/^\s*\* ?/, '');
    if (current) {
      if (line.trim() === '```') {
        examples.push(current);
        current = undefined;
      } else current.code.push(line);
    } else if (/^\s*\*\s*```ts doctest\s*$/.test(raw)) current = { file, line: i + 1, code: [] };
  });
  return examples;
}

const CHECK = /^(\s*)(.+?);?\s*\/\/ => (.+)$/;
const IMPORT = /^import\s+(.+?)\s+from\s+'[^']+';(?:\s*\/\/.*)?$/;
const NODE_PRELUDE: Readonly<Record<string, string>> = {
  zlib: `import * as zlib from 'node:zlib';`,
  PassThrough: `import { PassThrough } from 'node:stream';`,
  Readable: `import { Readable } from 'node:stream';`,
  Writable: `import { Writable } from 'node:stream';`,
  pipeline: `import { pipeline } from 'node:stream/promises';`,
};

/** The local names an `import` clause binds: `a`, `* as a`, `{ b, c as d }`, `a, { b }`. */
function boundBy(clause: string): string[] {
  return clause
    .replace(/^type\s+/, '')
    .split(/[{},]/)
    .map((part) => part.replace(/^.*\sas\s/, '').trim())
    .filter((name) => /^[\w$]+$/.test(name));
}

/** The module an example runs as: imports, then its lines with `// =>` turned into checks. */
function moduleFor(example: Example, names: readonly string[]): string {
  const pkg = relative(join(root, 'packages'), example.file).split('/');
  const own = example.code.filter((line) => IMPORT.test(line));
  const imported = new Set(own.flatMap((line) => boundBy(IMPORT.exec(line)![1]!)));
  const uses = (name: string) => !imported.has(name) && new RegExp(`\\b${name}\\b`).test(example.code.join('\n'));
  const given = names.filter((name) => !imported.has(name));
  const imports = [
    `import * as __core from '${join(root, 'packages/core/src/index.ts')}';`,
    `import * as __kit from '${join(root, 'packages/core/src/kit/index.ts')}';`,
    `import * as __operators from '${join(root, 'packages/operators/src/index.ts')}';`,
    pkg[0] === 'adapters'
      ? `import * as __adapter from '${join(root, 'packages/adapters/src', pkg[2]!, 'index.ts')}';`
      : 'const __adapter = {};',
    ...Object.keys(NODE_PRELUDE)
      .filter(uses)
      .map((name) => NODE_PRELUDE[name]!),
    ...own,
    // the names the example uses from the packages, so examples need no import lines for them
    `const { ${given.join(', ')} } = { ...__core, ...__kit, ...__operators, ...__adapter } as any;`,
  ];
  const body = example.code.map((line, i) => {
    if (IMPORT.test(line)) return '';
    const check = CHECK.exec(line);
    return check ? `${check[1]}__doctest(await (${check[2]}), ${check[3]}, ${example.line + i + 1});` : line;
  });
  return [...imports, ...body, 'export {};'].join('\n');
}

const all = ['core', 'operators', 'adapters'].flatMap((pkg) =>
  sources(join(root, 'packages', pkg, 'src')).flatMap((file) => examplesIn(file, readFileSync(file, 'utf8'))),
);

describe('doc examples', () => {
  it('exist (a pattern that finds none is a broken runner)', () => {
    expect(all.length).toBeGreaterThan(30);
  });

  for (const example of all) {
    const where = `${relative(root, example.file)}:${example.line}`;
    it(where, async () => {
      const core = await import('../../packages/core/src/index.js');
      const kit = await import('../../packages/core/src/kit/index.js');
      const operators = await import('../../packages/operators/src/index.js');
      const names = new Set([...Object.keys(core), ...Object.keys(kit), ...Object.keys(operators)]);
      const pkg = relative(join(root, 'packages'), example.file).split('/');
      if (pkg[0] === 'adapters')
        for (const name of Object.keys(await import(join(root, 'packages/adapters/src', pkg[2]!, 'index.ts'))))
          names.add(name);
      const used = [...names].filter((name) => new RegExp(`\\b${name}\\b`).test(example.code.join('\n')));
      const path = join(root, 'packages', pkg[0]!, 'build/doctest', `${where.replace(/[/:.]/g, '_')}.ts`);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, moduleFor(example, used));
      let checks = 0;
      (globalThis as { __doctest?: unknown }).__doctest = (actual: unknown, expected: unknown, line: number) => {
        checks++;
        expect(actual, `${relative(root, example.file)}:${line}`).toEqual(expected);
      };
      await import(path);
      expect(checks, 'an executed example states its result with `// =>`').toBeGreaterThan(0);
    });
  }
});
