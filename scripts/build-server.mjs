// Bundles the server into server/dist/index.js for `npm start`. npm packages stay external
// (resolved from node_modules at run time, native addons included); the workspace's own
// packages (@aegis/*, embedded-mongo) are bundled in from source (embedded-mongo through the
// `paths` of tsconfig.base.json, which esbuild honours), so they need no build of their own.
// Only the workspace packages server/package.json declares may be bundled: an import of any
// other (the demo, the SDK, the dashboard) fails the build, naming it.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WORKSPACE = /^(@aegis\/[^/]+|embedded-mongo)(\/|$)/;
const declared = Object.keys(
  JSON.parse(readFileSync(path.join(root, 'server', 'package.json'), 'utf8')).dependencies ?? {},
).filter((name) => WORKSPACE.test(name));

/** @type {import('esbuild').Plugin} */
const externalNpmPackages = {
  name: 'external-npm-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      const workspace = WORKSPACE.exec(args.path)?.[1];
      if (workspace) {
        if (declared.includes(workspace)) return undefined;
        return {
          errors: [
            {
              text: `the server may not import ${workspace} (from ${path.relative(root, args.importer)}): server/package.json declares only ${declared.join(', ')}`,
            },
          ],
        };
      }
      if (args.path.startsWith('node:')) return undefined;
      return { path: args.path, external: true };
    });
  },
};

/**
 * Bundles `entry` (default: the server) into `outfile`; returns esbuild's metafile, whose inputs
 * list every source file that went in. Throws when an undeclared workspace package is imported.
 * @param {{ entry?: string; outfile?: string; logLevel?: import('esbuild').LogLevel }} [options]
 */
export async function bundleServer(options = {}) {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [options.entry ?? 'server/src/index.ts'],
    outfile: options.outfile ?? 'server/dist/index.js',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    metafile: true,
    logLevel: options.logLevel ?? 'warning',
    plugins: [externalNpmPackages],
    // Bundled CommonJS-style code may call require(); give ESM output one.
    banner: {
      js: "import { createRequire as __aegisCreateRequire } from 'node:module'; const require = __aegisCreateRequire(import.meta.url);",
    },
  });
  return result.metafile;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await bundleServer();
  process.stdout.write('server bundled → server/dist/index.js\n');
}
