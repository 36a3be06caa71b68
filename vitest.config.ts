import { defineConfig } from 'vitest/config';

const conditions = ['sluice-source'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    testTimeout: 20_000,
    setupFiles: [new URL('./test/setup/no-stray-warnings.ts', import.meta.url).pathname],
    projects: [
      ...['core', 'operators', 'adapters'].map((name) => ({
        extends: true as const,
        test: { name, root: `packages/${name}`, include: ['src/**/*.test.ts'] },
      })),
      { extends: true as const, test: { name: 'examples', root: 'examples', include: ['**/*.test.ts'] } },
      // Every ```ts doctest block of the sources' TSDoc, executed (test/doctest/doctest.test.ts).
      { extends: true as const, test: { name: 'doctest', include: ['test/doctest/*.test.ts'] } },
      // each case runs in its own child process; two at a time on a 2-core machine
      ...[
        ['memory', 'cases.memory.test.ts'],
        ['memory-soak', 'soak.memory.test.ts'],
      ].map(([name, file]) => ({
        extends: true as const,
        test: { name, root: 'memory', include: [file!], maxConcurrency: 2 },
      })),
      // Packs, installs into a temporary app and runs the READMEs there (test/pack/pack.test.ts).
      {
        extends: true as const,
        test: { name: 'pack', root: 'test/pack', include: ['*.test.ts'], testTimeout: 120_000 },
      },
      // The API reference and the Markdown links (test/docs/api.test.ts): once, on the main Node line.
      {
        extends: true as const,
        test: { name: 'docs', root: 'test/docs', include: ['*.test.ts'], testTimeout: 300_000 },
      },
      {
        extends: true as const,
        test: {
          name: 'types',
          include: [],
          typecheck: { enabled: true, include: ['packages/*/src/**/*.test-d.ts'], tsconfig: './tsconfig.test.json' },
        },
      },
    ],
  },
});
