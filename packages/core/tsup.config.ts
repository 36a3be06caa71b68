import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'kit/index': 'src/kit/index.ts', 'testing/index': 'src/testing/index.ts' },
  format: ['esm'],
  dts: { compilerOptions: { composite: false } },
  sourcemap: true,
  clean: true,
  target: 'node20',
});
