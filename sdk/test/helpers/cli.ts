import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'vitest';

export const run = promisify(execFile);
export const sdkDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const bin = (name: 'aegis' | 'sentinel') => path.join(sdkDir, 'bin', `${name}.mjs`);

/**
 * The binaries run the compiled CLI, as an installed package does: build it first (unchanged
 * files are left alone, so parallel builds don't disturb each other). Call from `beforeAll`.
 */
export async function buildCli(): Promise<void> {
  await run(process.execPath, ['scripts/packages/build.mjs', 'sdk', '--js-only', '--quiet'], {
    cwd: path.resolve(sdkDir, '..'),
  });
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Node's own process warnings (environment-dependent) are not the CLI's output. */
function withoutNodeWarnings(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !/^\(node:\d+\) |^\(Use `node --trace-warnings/.test(line))
    .join('\n');
}

/** Runs of the real binary against a server (`server()` is read at each run). */
export function cliRunner(server: () => { url: string; adminKey: string }) {
  async function cli(
    args: string[],
    opts: { bin?: 'aegis' | 'sentinel'; env?: Record<string, string>; cwd?: string } = {},
  ): Promise<CliResult> {
    const env = {
      ...process.env,
      AEGIS_URL: server().url,
      AEGIS_API_KEY: server().adminKey,
      NO_COLOR: '1',
      ...opts.env,
    };
    try {
      const { stdout, stderr } = await run(process.execPath, [bin(opts.bin ?? 'aegis'), ...args], {
        env,
        cwd: opts.cwd ?? sdkDir,
      });
      return { code: 0, stdout, stderr: withoutNodeWarnings(stderr) };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: withoutNodeWarnings(e.stderr) };
    }
  }

  async function json<T = unknown>(args: string[]): Promise<T> {
    const result = await cli([...args, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    return JSON.parse(result.stdout) as T;
  }

  return { cli, json };
}
