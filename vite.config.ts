import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';

// One config for the dashboard build (root: client/) and for the whole test suite.
export default defineConfig({
  root: 'client',
  plugins: [react(), tailwindcss()],
  // The workspace's publishable packages (sdk, embedded-mongo) export their built dist/; inside
  // the repository their imports resolve to source through tsconfig.base.json's `paths`.
  resolve: { tsconfigPaths: true },
  build: { outDir: 'dist', emptyOutDir: true },
  server: { proxy: { '/trpc': 'http://127.0.0.1:8000', '/api': 'http://127.0.0.1:8000', '/export': 'http://127.0.0.1:8000' } },
  test: {
    root: '.',
    include: ['*/src/**/*.test.ts', '*/test/**/*.test.ts', 'client/e2e/**/*.test.ts', 'bench/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
