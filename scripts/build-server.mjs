// Bundles the server into server/dist/index.js for `npm start`. npm packages stay external
// (resolved from node_modules at run time, native addons included); the workspace's own
// packages (@aegis/*, embedded-mongo) are bundled in from source (embedded-mongo through the
// `paths` of tsconfig.base.json, which esbuild honours), so they need no build of their own.
import { build } from 'esbuild';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WORKSPACE = /^(@aegis\/|embedded-mongo(\/|$))/;

/** @type {import('esbuild').Plugin} */
const externalNpmPackages = {
  name: 'external-npm-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (WORKSPACE.test(args.path) || args.path.startsWith('node:')) return undefined;
      return { path: args.path, external: true };
    });
  },
};

await build({
  absWorkingDir: root,
  entryPoints: ['server/src/index.ts'],
  outfile: 'server/dist/index.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [externalNpmPackages],
  // Bundled CommonJS-style code may call require(); give ESM output one.
  banner: {
    js: "import { createRequire as __aegisCreateRequire } from 'node:module'; const require = __aegisCreateRequire(import.meta.url);",
  },
});
process.stdout.write('server bundled → server/dist/index.js\n');
