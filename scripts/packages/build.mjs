// Builds the packages people install from this repository into their dist/: compiled ESM
// (esbuild; the workspace's private @aegis/shared bundled in, npm packages left as imports) and
// one bundled .d.ts per entry (rollup-plugin-dts). Every import the output keeps must be declared
// by the package, or the build fails. Files are written only when their content changed, so
// concurrent builds (parallel test files) never expose a half-written file to a reader.
//
//   node scripts/packages/build.mjs [sdk|embedded-mongo …] [--js-only] [--quiet]
import { builtinModules } from 'node:module';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { rollup } from 'rollup';
import { dts } from 'rollup-plugin-dts';
import { writeContract } from './contract.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** What each package publishes: entry points (relative to its src/, without extension). */
export const PACKAGES = {
  sdk: {
    entries: ['index', 'langchain/index', 'mcp/index', 'cli/main', 'cli/sentinel'],
    typedEntries: ['index', 'langchain/index', 'mcp/index'],
    // The router contract is printed from the server's AppRouter (see contract.mjs).
    contract: true,
  },
  'embedded-mongo': {
    entries: ['index', 'cli'],
    typedEntries: ['index'],
    contract: false,
  },
};

/** Bundled into the output instead of imported: private workspace code. */
const BUNDLED = /^@aegis\/shared(\/|$)/;
const isBuiltin = (id) => id.startsWith('node:') || builtinModules.includes(id.split('/')[0]);
const packageName = (id) =>
  id
    .split('/')
    .slice(0, id.startsWith('@') ? 2 : 1)
    .join('/');

async function manifest(name) {
  return JSON.parse(await readFile(path.join(root, name, 'package.json'), 'utf8'));
}

/** The npm packages a built file may import: the package's dependencies and peers. */
function declared(pkg) {
  return new Set([
    ...Object.keys(pkg.dependencies ?? {}),
    ...Object.keys(pkg.peerDependencies ?? {}),
  ]);
}

/** Writes `files` (path → content) under `dir`, and removes older files of the same `kinds`. */
async function syncFiles(dir, files, kinds) {
  for (const [file, content] of files) {
    const current = await readFile(file, 'utf8').catch(() => null);
    if (current === content) continue;
    await mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    await writeFile(temp, content);
    await rename(temp, file);
  }
  const stale = (await readdir(dir, { recursive: true })).filter(
    (f) => kinds.some((k) => f.endsWith(k)) && !files.has(path.join(dir, f)),
  );
  for (const f of stale) await rm(path.join(dir, f), { force: true });
}

async function buildJs(name, spec, pkg, outdir) {
  const result = await build({
    absWorkingDir: root,
    entryPoints: Object.fromEntries(spec.entries.map((e) => [e, `${name}/src/${e}.ts`])),
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    chunkNames: 'chunks/[name]-[hash]',
    write: false,
    metafile: true,
    logLevel: 'warning',
    plugins: [
      {
        name: 'npm-packages-stay-imports',
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (args) =>
            BUNDLED.test(args.path) ? undefined : { path: args.path, external: true },
          );
        },
      },
    ],
  });
  // What the output still imports (after tree-shaking) is what an installation must provide.
  const allowed = declared(pkg);
  const undeclared = new Set();
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    for (const { path: id, external } of output.imports) {
      if (external && !isBuiltin(id) && !allowed.has(packageName(id))) {
        undeclared.add(`${packageName(id)} (in ${file})`);
      }
    }
  }
  if (undeclared.size > 0) {
    throw new Error(`${name} imports packages its package.json doesn't declare: ${[...undeclared].join(', ')}`);
  }
  return new Map(result.outputFiles.map((f) => [f.path, f.text]));
}

async function buildTypes(name, spec, pkg, outdir) {
  // Resolve private workspace packages to their source, so their declarations are inlined.
  const paths = { '@aegis/shared': [path.join(root, 'shared/src/index.ts')] };
  if (spec.contract) {
    const contract = await writeContract(root, path.join(root, name, '.build'));
    paths['@aegis/server'] = [contract];
  }
  const allowed = declared(pkg);
  const bundle = await rollup({
    input: Object.fromEntries(
      spec.typedEntries.map((e) => [e, path.join(root, name, 'src', `${e}.ts`)]),
    ),
    external: (id) => /^[^./]/.test(id) && !BUNDLED.test(id) && !id.startsWith('@aegis/server'),
    plugins: [dts({ tsconfig: path.join(root, 'tsconfig.json'), compilerOptions: { paths } })],
    onwarn(warning, warn) {
      if (warning.code !== 'UNRESOLVED_IMPORT') warn(warning);
    },
  });
  const { output } = await bundle.generate({
    format: 'es',
    entryFileNames: '[name].d.ts',
    chunkFileNames: 'chunks/[name]-[hash].d.ts',
  });
  await bundle.close();
  const files = new Map();
  const own = new Set(output.map((chunk) => chunk.fileName));
  for (const chunk of output) {
    if (chunk.type !== 'chunk') continue;
    const undeclared = chunk.imports.filter(
      (id) => !own.has(id) && !isBuiltin(id) && !allowed.has(packageName(id)),
    );
    if (undeclared.length > 0) {
      throw new Error(`${name}'s types import undeclared packages: ${undeclared.join(', ')}`);
    }
    files.set(path.join(outdir, chunk.fileName), chunk.code);
  }
  return files;
}

/** Builds one package's dist/ (JavaScript, and its types unless `jsOnly`). */
export async function buildPackage(name, { jsOnly = false } = {}) {
  const spec = PACKAGES[name];
  if (!spec)
    throw new Error(`unknown package "${name}" (known: ${Object.keys(PACKAGES).join(', ')})`);
  const pkg = await manifest(name);
  const outdir = path.join(root, name, 'dist');
  await syncFiles(outdir, await buildJs(name, spec, pkg, outdir), ['.js']);
  if (!jsOnly) await syncFiles(outdir, await buildTypes(name, spec, pkg, outdir), ['.d.ts']);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const names = args.filter((a) => !a.startsWith('--'));
  const jsOnly = args.includes('--js-only');
  for (const name of names.length > 0 ? names : Object.keys(PACKAGES)) {
    await buildPackage(name, { jsOnly });
    if (!args.includes('--quiet')) {
      process.stdout.write(`${name} built → ${name}/dist${jsOnly ? ' (JavaScript only)' : ''}\n`);
    }
  }
}
