import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

export interface StandaloneStore {
  uri: string;
  child: ChildProcess;
  /** Resolves once the process has exited. */
  exited: Promise<void>;
  /** What the process wrote to stderr so far. */
  stderr(): string;
}

/** Starts the standalone command in its own process and waits for its "listening" line. */
export function startStandalone(args: string[]): Promise<StandaloneStore> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (mongodb:\/\/\S+)/.exec(out);
      if (m) resolve({ uri: m[1]!, child, exited, stderr: () => err });
    });
    child.once('exit', (code) => reject(new Error(`standalone store exited with ${String(code)}: ${err}`)));
  });
}
