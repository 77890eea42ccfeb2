import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

let built: Promise<string> | null = null;

/**
 * Builds the dashboard with the repository's vite config into a fresh temp directory, once per
 * test process. A private output directory means a concurrent `npm run build` or another test
 * run can never swap the files out from under the browser.
 */
export function buildDashboard(): Promise<string> {
  built ??= (async () => {
    const outDir = await mkdtemp(path.join(tmpdir(), 'aegis-dashboard-'));
    const vite = path.join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
    await run(process.execPath, [vite, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: repoRoot,
      maxBuffer: 16 * 1024 * 1024,
    });
    return outDir;
  })();
  return built;
}
