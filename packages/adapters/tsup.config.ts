import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    'node/index': 'src/node/index.ts',
    'web/index': 'src/web/index.ts',
    'http/index': 'src/http/index.ts',
    'fs/index': 'src/fs/index.ts',
    'sqlite/index': 'src/sqlite/index.ts',
    'postgres/index': 'src/postgres/index.ts',
    'redis/index': 'src/redis/index.ts',
    'workers/index': 'src/workers/index.ts',
    'opentelemetry/index': 'src/opentelemetry/index.ts',
  },
  format: ['esm'],
  dts: { compilerOptions: { composite: false } },
  sourcemap: true,
  clean: true,
  target: 'node20',
});
