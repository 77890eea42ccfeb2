import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { AegisApi } from '../../src/index';

const run = promisify(execFile);
export const sdkDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const repoDir = path.resolve(sdkDir, '..');
export const aegisBin = path.join(sdkDir, 'bin', 'aegis.mjs');
export const fixture = path.join(sdkDir, 'test', 'mcp', 'fixtures', 'upstream.mjs');
const pkgBin = (pkg: string) =>
  path.join(repoDir, 'node_modules', '@modelcontextprotocol', pkg, 'dist', 'index.js');
export const everythingServer = pkgBin('server-everything');
export const filesystemServer = pkgBin('server-filesystem');

/** The gateway runs as the compiled `aegis` binary, as installed: build it (unchanged files stay). */
export async function buildCli(): Promise<void> {
  await run(process.execPath, ['scripts/packages/build.mjs', 'sdk', '--js-only', '--quiet'], {
    cwd: repoDir,
  });
}

/** A temp dir removed at the end. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface StdioGateway {
  client: Client;
  stderr: () => string;
  close: () => Promise<void>;
}

/**
 * A real MCP client talking to `aegis mcp --agent … -- <upstream>` over stdio — exactly what an
 * IDE does with the line in its MCP config.
 */
export async function stdioGateway(opts: {
  agent: string;
  url: string;
  key: string;
  upstream: string[];
  /** `server`: pins in Aegis's database (the default of `aegis mcp`); a path: a pins file; none: --no-pins. */
  pins?: string;
  extra?: string[];
  env?: Record<string, string>;
}): Promise<StdioGateway> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [
      aegisBin,
      'mcp',
      '--agent',
      opts.agent,
      ...(opts.pins === 'server' ? [] : opts.pins ? ['--pins', opts.pins] : ['--no-pins']),
      ...(opts.extra ?? []),
      '--',
      ...opts.upstream,
    ],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      AEGIS_URL: opts.url,
      AEGIS_API_KEY: opts.key,
      AEGIS_MCP_PROGRESS_MS: '100',
      ...opts.env,
    },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr, close: () => client.close() };
}

/** The text of a tool result's first text block. */
export function text(result: unknown): string {
  const first = (result as CallToolResult).content.find((c) => c.type === 'text');
  return first && 'text' in first ? first.text : '';
}

/** The calls the fixture upstream actually executed (its FIXTURE_LOG). */
export function executed(logFile: string): Array<{ tool: string; args: unknown }> {
  try {
    return readFileSync(logFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { tool: string; args: unknown });
  } catch {
    return [];
  }
}

/** An agent key scoped to `agents`, as an admin would create it. */
export async function agentKey(admin: AegisApi, agents: string[]): Promise<string> {
  const { key } = await admin.keys.create.mutate({
    name: `mcp-${agents.join('-')}`,
    role: 'agent',
    agents,
  });
  return key;
}
