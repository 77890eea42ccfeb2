import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { runCli } from '../src/cli/run';
import { uniqueAgent, useSdkServer } from './helpers/server';

// `aegis manifest`, `aegis governance apply|violations` and `aegis export`, in process against a real server.
const t = useSdkServer();

async function aegis(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err.push(String(chunk));
    return true;
  });
  try {
    const code = await runCli([
      ...args,
      '--url',
      t.server.url,
      '--key',
      t.server.adminKey,
      '--no-color',
    ]);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('aegis manifest / governance / export', () => {
  it('prints a manifest as CycloneDX, applies rules from a file, lists violations, exports CSV', async () => {
    const name = uniqueAgent('cli-gov');
    await t.aegis
      .agent(name, {
        owner: '',
        allows: ['wipe'],
        tools: [{ name: 'wipe', tags: ['destructive'] }],
      })
      .register();
    await t.aegis.api.sdk.decide.mutate({ agent: name, action: 'wipe' });

    const bom = await aegis('manifest', name, '-o', 'cyclonedx');
    expect(bom.code).toBe(0);
    expect(JSON.parse(bom.out)).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.6' });
    expect((await aegis('manifest', name, '-o', 'xml')).code).toBe(1);

    const dir = await mkdtemp(path.join(tmpdir(), 'aegis-gov-'));
    const file = path.join(dir, 'rules.yaml');
    await writeFile(
      file,
      'kind: GovernanceRule\nid: cli-team\ndescription: No team\nseverity: low\nwhen: "manifest.agent.team == \'\'"\n',
    );
    const applied = await aegis('governance', 'apply', '-f', file);
    expect(applied).toMatchObject({ code: 0 });
    expect(applied.out).toContain('Applied: cli-team');
    await writeFile(file, 'kind: GovernanceRule\nid: Bad Id\n');
    const bad = await aegis('governance', 'apply', '-f', file);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('line 1');

    const listed = await aegis('governance', 'violations', '--agent', name);
    expect(listed.out).toMatch(/CRITICAL\s+\S+\s+wipe\s+destructive-needs-review/);
    expect(listed.out).toMatch(/MEDIUM\s+\S+\s+-\s+owner-required/);

    const csv = await aegis('export', '-o', 'csv', '--agents', name);
    expect(csv.code).toBe(0);
    expect(csv.out.split('\n')[0]).toMatch(/^id,timestamp,agent,action,status/);
    expect(csv.out).toContain(`,${name},wipe,ALLOWED,`);
  });
});
