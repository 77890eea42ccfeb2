import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * What the dashboard's bundle is made of: its own sources, the shared package it imports, the
 * build configuration and the installed versions. (The server is imported for types only.)
 */
const INPUTS = ['client', 'shared', 'vite.config.ts', 'tsconfig.base.json', 'package.json', 'package-lock.json'];
const SKIPPED = new Set(['node_modules', 'dist', 'e2e']);

let built: Promise<string> | null = null;

/**
 * The dashboard built with the repository's vite config, shared by every test process of a run:
 * each e2e file runs in a process of its own, and a build per file cost ~10 s each (and left a
 * directory behind). The output is kept under a digest of the inputs, so a change to any of them
 * builds again, and is published with one rename, so a concurrent test process, `npm run build`
 * or another test run never sees a half-written one.
 */
export function buildDashboard(): Promise<string> {
  built ??= buildOnce();
  return built;
}

async function buildOnce(): Promise<string> {
  const outDir = path.join(tmpdir(), `aegis-dashboard-${await inputsDigest()}`);
  if (await isOurs(outDir)) return outDir;
  const staging = await mkdtemp(path.join(tmpdir(), 'aegis-dashboard-build-'));
  try {
    const vite = path.join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
    await run(process.execPath, [vite, 'build', '--outDir', staging, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: repoRoot,
      maxBuffer: 16 * 1024 * 1024,
    });
    await rename(staging, outDir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    // Another process published the same build first: use theirs.
    if (!(await isOurs(outDir))) throw error;
  }
  return outDir;
}

/**
 * A published build: complete (renamed into place whole), and made by this user in a directory
 * no one else may write to — the temp directory is shared, so a name alone proves nothing.
 */
async function isOurs(dir: string): Promise<boolean> {
  try {
    const [info, index] = await Promise.all([stat(dir), stat(path.join(dir, 'index.html'))]);
    return info.isDirectory() && index.isFile() && info.uid === process.getuid?.() && (info.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** SHA-256 over every input file's path and bytes, in a fixed order. */
async function inputsDigest(): Promise<string> {
  const hash = createHash('sha256');
  for (const input of INPUTS) {
    for (const file of await filesUnder(path.join(repoRoot, input))) {
      hash.update(path.relative(repoRoot, file)).update('\0');
      hash.update(await readFile(file)).update('\0');
    }
  }
  return hash.digest('hex').slice(0, 24);
}

async function filesUnder(at: string): Promise<string[]> {
  const info = await stat(at);
  if (!info.isDirectory()) return [at];
  const entries = await readdir(at, { withFileTypes: true });
  const nested = await Promise.all(
    entries
      .filter((e) => !SKIPPED.has(e.name))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((e) => filesUnder(path.join(at, e.name))),
  );
  return nested.flat();
}
