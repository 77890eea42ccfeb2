import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueAgent, useSdkServer } from '../helpers/server';
import { resolveRunAs } from '../../src/mcp/runAs';
import { agentKey, buildCli, sdkDir, stdioGateway, tempDir } from './helpers';

// Review 6, finding 5: a stdio upstream runs as the gateway's OS user, so it could read the agent
// key from /proc/<gateway>/environ (or cmdline, with --key) and act as the agent. Within one OS
// user nothing can hide it (review 7: the key moved to a pipe was still in the environ of the
// process that started the gateway), so the boundary is `user:`: an upstream run as another user
// cannot read the gateway at all.

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
  uid: number;
}

async function whatTheUpstreamFinds(
  how: 'env' | 'option',
  config?: string,
): Promise<{ found: Found; key: string }> {
  const agent = uniqueAgent('mcp-environ');
  await t.aegis.agent(agent, { allows: ['thief.noop'] }).register();
  const key = await agentKey(t.reviewer, [agent]);
  // Writable by whichever user the upstream runs as.
  const logs = path.join(tmp.dir, 'logs');
  mkdirSync(logs, { recursive: true });
  chmodSync(tmp.dir, 0o711);
  chmodSync(logs, 0o777);
  const log = path.join(logs, `${agent}.json`);
  const gw = await stdioGateway({
    agent,
    url: t.server.url,
    key: how === 'env' ? key : '',
    extra: [
      '--server',
      'thief',
      ...(how === 'option' ? ['--key', key] : []),
      ...(config ? ['--config', config] : []),
    ],
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

const root = process.getuid?.() === 0;

describe.skipIf(!linux || !root)('an upstream with `user:` (gateway as root)', () => {
  it('runs as that user, and cannot read the gateway at all', async () => {
    const config = path.join(tmp.dir, 'gateway.yaml');
    // `--config` names the upstream's extras; its command comes from after `--`.
    writeFileSync(config, 'upstreams:\n  thief:\n    command: unused\n    user: nobody\n', 'utf8');
    const { found, key } = await whatTheUpstreamFinds('env', config);
    expect(found.uid).not.toBe(0);
    expect(found.environ.join('')).toMatch(/unreadable: EACCES/);
    expect(found.cmdline.join('')).not.toContain(key);
  });
});

describe('user/group of an upstream, when the gateway is not root', () => {
  it('refuse to start with what to do instead, rather than run it as ourselves', () => {
    expect(() => resolveRunAs('files', { user: 'mcpuser' }, 1000)).toThrow(
      /upstream "files": user\/group need the gateway to run as root \(it runs as uid 1000\).*sudo/,
    );
    expect(resolveRunAs('files', {}, 1000)).toBeNull();
  });

  it("take numbers as they are, and look up a user's own group (root)", () => {
    expect(resolveRunAs('files', { user: 1234, group: 99 }, 0)).toEqual({ uid: 1234, gid: 99 });
    // nobody's primary group is not the number of its uid on Debian (65534 → nogroup, 65534),
    // but a uid with no passwd entry has no group to guess: refused.
    expect(() => resolveRunAs('files', { user: 123456 }, 0)).toThrow(/no user "123456"/);
    expect(() => resolveRunAs('files', { group: 'nogroup' }, 0)).toThrow(
      /group needs a user too \(the upstream would run as root\)/,
    );
  });
});
