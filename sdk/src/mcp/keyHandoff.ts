import { spawn } from 'node:child_process';
import { closeSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';

/**
 * Set (to the fd number) in the environment of a gateway this module re-executed: its agent key
 * waits on that fd. Not a secret; upstreams never see it (upstreamEnv drops every AEGIS_*).
 */
export const KEY_FD_ENV = 'AEGIS_MCP_KEY_FD';
const KEY_FD = 3;

/**
 * The key a parent `aegis mcp` handed over on fd 3, or undefined when this process was not
 * re-executed. Read once, then the fd is closed (so no upstream inherits it).
 */
export function takeHandedKey(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env[KEY_FD_ENV] === undefined) return undefined;
  delete env[KEY_FD_ENV];
  let key: string;
  try {
    key = readFileSync(KEY_FD, 'utf8').trim();
    closeSync(KEY_FD);
  } catch (error) {
    throw new Error(
      `${KEY_FD_ENV} is set but no key came on fd ${KEY_FD} (${(error as Error).message}); ` +
        `aegis mcp sets it only for itself: unset it`,
    );
  }
  if (!key) throw new Error(`${KEY_FD_ENV}: the key handed over on fd ${KEY_FD} was empty`);
  return key;
}

/** `argv` (after `mcp`) without `--key KEY` / `--key=KEY` before the upstream's `--`. */
export function withoutKeyOption(argv: readonly string[]): string[] {
  const dash = argv.indexOf('--');
  const own = dash === -1 ? argv : argv.slice(0, dash);
  const rest = dash === -1 ? [] : argv.slice(dash);
  const kept: string[] = [];
  for (let i = 0; i < own.length; i++) {
    const arg = own[i] ?? '';
    if (arg === '--key') i++;
    else if (!arg.startsWith('--key=')) kept.push(arg);
  }
  return [...kept, ...rest];
}

/**
 * Runs this gateway again as a child whose environment and command line hold no agent key — the
 * key goes over a pipe on fd 3 — and waits for it. The child is the process that launches the
 * upstream (third-party code, same OS user), which can read its parent's /proc/<pid>/environ
 * and cmdline but, under Linux's default Yama ptrace_scope=1, not its memory. Signals are passed
 * on; stdin/stdout (the MCP channel) and stderr are the child's own. Resolves to its exit code.
 */
export function reexecWithoutKey(opts: {
  /** The `aegis` script this process runs (process.argv[1] of the CLI). */
  script: string;
  /** The arguments after `mcp`. */
  argv: readonly string[];
  key: string;
}): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...process.env, [KEY_FD_ENV]: String(KEY_FD) };
  delete env.AEGIS_API_KEY;
  const child = spawn(
    process.execPath,
    [...process.execArgv, opts.script, 'mcp', ...withoutKeyOption(opts.argv)],
    { env, stdio: ['inherit', 'inherit', 'inherit', 'pipe'] },
  );
  const keyPipe = child.stdio[KEY_FD];
  if (keyPipe && 'end' in keyPipe) keyPipe.end(`${opts.key}\n`);
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const handlers = signals.map((s) => [s, forward(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  return new Promise((resolve) => {
    child.once('error', (error) => {
      process.stderr.write(`[aegis mcp] could not start the gateway: ${error.message}\n`);
      resolve(1);
    });
    child.once('exit', (code, signal) => {
      for (const [s, h] of handlers) process.off(s, h);
      resolve(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1));
    });
  });
}
