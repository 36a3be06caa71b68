import { defineConfig } from 'vitest/config';

const conditions = ['sluice-source'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    testTimeout: 20_000,
    projects: [
      ...['core', 'operators', 'adapters'].map((name) => ({
        extends: true as const,
        test: { name, root: `packages/${name}`, include: ['src/**/*.test.ts'] },
      })),
      { extends: true as const, test: { name: 'examples', root: 'examples', include: ['**/*.test.ts'] } },
      // each case runs in its own child process; two at a time on a 2-core machine
      ...[
        ['memory', 'cases.memory.test.ts'],
        ['memory-soak', 'soak.memory.test.ts'],
      ].map(([name, file]) => ({ extends: true as const, test: { name, root: 'memory', include: [file!], maxConcurrency: 2 } })),
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
