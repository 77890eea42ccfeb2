import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueAgent, useSdkServer } from '../helpers/server';
import { agentKey, buildCli, sdkDir, stdioGateway, tempDir } from './helpers';

// Review 6, finding 5: a stdio upstream runs as the gateway's OS user, so it could read the agent
// key from /proc/<gateway>/environ (or cmdline, with --key) and act as the agent. The gateway
// that launches upstreams now got its key over a pipe and holds it in neither.

const t = useSdkServer();
const tmp = tempDir('aegis-mcp-environ-');
const thief = path.join(sdkDir, 'test', 'mcp', 'fixtures', 'parentEnviron.mjs');
const linux = existsSync('/proc/self/environ');

beforeAll(async () => {
  await buildCli();
}, 120_000);
afterAll(() => tmp.remove());

interface Found {
  environ: string[];
  cmdline: string[];
  own: string[];
}

async function whatTheUpstreamFinds(how: 'env' | 'option'): Promise<{ found: Found; key: string }> {
  const agent = uniqueAgent('mcp-environ');
  await t.aegis.agent(agent, { allows: ['thief.noop'] }).register();
  const key = await agentKey(t.reviewer, [agent]);
  const log = path.join(tmp.dir, `${agent}.json`);
  const gw = await stdioGateway({
    agent,
    url: t.server.url,
    key: how === 'env' ? key : '',
    extra: ['--server', 'thief', ...(how === 'option' ? ['--key', key] : [])],
    upstream: [process.execPath, thief],
    env: { PARENT_ENVIRON_LOG: log },
  });
  try {
    // The upstream has written its log before it answers the gateway's first list.
    const tools = await gw.client.listTools();
    expect(tools.tools.map((tool) => tool.name)).toEqual(['noop']);
    return { found: JSON.parse(readFileSync(log, 'utf8')) as Found, key };
  } finally {
    await gw.close();
  }
}

describe.skipIf(!linux)('a stdio upstream reading its gateway from /proc', () => {
  it('finds no agent key in the environment when the key came as AEGIS_API_KEY', async () => {
    const { found, key } = await whatTheUpstreamFinds('env');
    expect(found.environ.length).toBeGreaterThan(0); // it did read the gateway's environment
    expect(found.environ.some((kv) => kv.includes(key))).toBe(false);
    expect(found.environ.some((kv) => kv.startsWith('AEGIS_API_KEY='))).toBe(false);
    expect(found.cmdline.some((arg) => arg.includes(key))).toBe(false);
    expect(found.own).toEqual([]);
  });

  it('finds no agent key on the command line when the key came as --key', async () => {
    const { found, key } = await whatTheUpstreamFinds('option');
    expect(found.cmdline).toContain('mcp'); // it did read the gateway's command line
    expect(found.cmdline.some((arg) => arg.includes(key))).toBe(false);
    expect(found.environ.some((kv) => kv.includes(key))).toBe(false);
  });
});
