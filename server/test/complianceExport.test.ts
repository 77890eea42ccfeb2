import { get } from 'node:http';
import { inflateSync } from 'node:zlib';
import { PDFDocument } from 'pdf-lib';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import type { AppRouter } from '../src/routers/_app';
import { useFixture, useTestServer } from './helpers/useTestServer';

// The compliance export over HTTP on a real server: every format, the chain head, the trail
// streamed, and the PDF parsed back (page count, a known row).
const server = useTestServer({ inMemoryStore: true });

const seeded = useFixture(
  async () => {
    const s = server();
    const api = createTRPCClient<AppRouter>({
      links: [
        httpBatchLink({ url: `${s.url}/trpc`, headers: { authorization: `Bearer ${s.adminKey}` } }),
      ],
    });
    await api.sdk.registerAgent.mutate({
      name: 'loan_processor',
      owner: 'lending@bank.example',
      allows: ['check_credit_score'],
      blocks: ['delete_records'],
      tools: [{ name: 'delete_records', tags: ['destructive'] }],
    });
    // enough entries for the PDF's trail table to run over several pages
    for (let i = 0; i < 120; i++)
      await api.sdk.decide.mutate({
        agent: 'loan_processor',
        action: i % 10 === 0 ? 'delete_records' : 'check_credit_score',
        args: { i },
      });
    await api.governance.evaluate.mutate({});
    const viewer = await api.keys.create.mutate({ name: 'auditor', role: 'viewer' });
    return { viewerKey: viewer.key };
  },
  () => undefined,
);

async function download(query: string, key: string | null = seeded().viewerKey) {
  const res = await fetch(`${server().url}/export/report?${query}`, {
    headers: key ? { authorization: `Bearer ${key}` } : {},
  });
  return { res, body: Buffer.from(await res.arrayBuffer()) };
}

/** The text a pdfkit PDF shows: its (deflated) content streams' hex strings, decoded. */
function pdfText(pdf: Buffer): string {
  const out: string[] = [];
  let at = 0;
  for (;;) {
    const start = pdf.indexOf('stream\n', at);
    if (start < 0) break;
    const end = pdf.indexOf('\nendstream', start);
    const raw = pdf.subarray(start + 7, end);
    at = end + 10;
    let text: string;
    try {
      text = inflateSync(raw).toString('latin1');
    } catch {
      continue; // fonts and images are not text
    }
    for (const tj of text.matchAll(/\[([^\]]*)\] TJ/g)) {
      out.push(
        [...(tj[1] ?? '').matchAll(/<([0-9a-f]*)>/g)]
          .map((h) => Buffer.from(h[1] ?? '', 'hex').toString('latin1'))
          .join(''),
      );
    }
  }
  return out.join('\n');
}

describe('compliance export', () => {
  it('JSON: the report with the chain head, manifests, violations, controls and the whole trail', async () => {
    const { res, body } = await download('format=json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(
      /attachment; filename="aegis-compliance-report-.*\.json"/,
    );
    const report = JSON.parse(body.toString()) as {
      chain: { ok: boolean; headHash: string; checked: number };
      auditEntries: number;
      auditTrail: Array<{ id: number; action: string; hash: string }>;
      manifests: Array<{ agent: { name: string } }>;
      violations: Array<{ ruleId: string }>;
      factSheets: Array<{ agent: string; blocked: number }>;
      controls: Array<{ section: string }>;
      disclaimer: string;
    };
    expect(report.chain.ok).toBe(true);
    expect(report.chain.headHash).toMatch(/^[0-9a-f]{64}$/);
    expect(report.auditTrail).toHaveLength(report.auditEntries);
    expect(report.auditTrail.at(-1)?.hash).toBe(report.chain.headHash);
    expect(report.manifests.map((m) => m.agent.name)).toEqual(['loan_processor']);
    expect(report.violations.map((v) => v.ruleId)).toContain('dangerous-tool-attempted');
    expect(report.factSheets[0]).toMatchObject({ agent: 'loan_processor', blocked: 12 });
    expect(report.controls.map((c) => c.section)).toContain('Audit trail and chain verification');
    expect(report.disclaimer).toContain('not a certification');
  });

  it('YAML, Markdown and CSV carry the same trail', async () => {
    const json = JSON.parse((await download('format=json')).body.toString()) as {
      auditEntries: number;
    };
    const yaml = parse((await download('format=yaml')).body.toString()) as {
      auditTrail: unknown[];
      chain: { ok: boolean };
    };
    expect(yaml.auditTrail).toHaveLength(json.auditEntries);
    expect(yaml.chain.ok).toBe(true);
    const md = (await download('format=md')).body.toString();
    expect(md).toContain('## Audit chain');
    expect(md).toMatch(/\| \d+ \| [^|]+ \| loan_processor \| delete_records \| BLOCKED \|/);
    const { res, body } = await download('format=csv');
    expect(res.headers.get('content-type')).toContain('text/csv');
    const lines = body.toString().trim().split('\n');
    expect(lines[0]).toBe(
      'id,timestamp,agent,action,status,source,actor,rule,details,argsPreview,outcome,prevHash,hash',
    );
    expect(lines).toHaveLength(json.auditEntries + 1);
  });

  it('PDF: a real paginated document with the known rows', async () => {
    const { res, body } = await download('format=pdf');
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const pdf = await PDFDocument.load(body);
    expect(pdf.getPageCount()).toBeGreaterThan(2);
    const text = pdfText(body);
    expect(text).toContain('Audit chain verification');
    expect(text).toContain('Chain intact');
    expect(text).toContain('dangerous-tool-attempted');
    expect(text).toMatch(/delete_records/);
    expect(text).toContain('SOC 2');
  });

  it('a range and agent filter narrow the trail; bad input is 400, no key 401', async () => {
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const empty = JSON.parse(
      (await download(`format=json&from=${encodeURIComponent(future)}`)).body.toString(),
    ) as { auditTrail: unknown[] };
    expect(empty.auditTrail).toEqual([]);
    const none = JSON.parse(
      (await download('format=json&agents=someone_else')).body.toString(),
    ) as { auditTrail: unknown[]; agents: string[] };
    expect(none).toMatchObject({ auditTrail: [], agents: [] });
    expect((await download('format=docx')).res.status).toBe(400);
    expect((await download('format=json&agents=bad%20%24name')).res.status).toBe(400);
    expect((await download('format=json', null)).res.status).toBe(401);
  });
});

describe('exports are bounded (from an attack review: a viewer looping reports kept the server busy)', () => {
  it('one export per key at a time: a second at once is 429 with Retry-After; once the first is done, the next goes', async () => {
    const [a, b] = await Promise.all([download('format=json'), download('format=pdf')]);
    const statuses = [a.res.status, b.res.status].sort();
    expect(statuses).toEqual([200, 429]);
    const refused = a.res.status === 429 ? a : b;
    expect(refused.res.headers.get('retry-after')).toBe('30');
    expect(JSON.parse(refused.body.toString())).toMatchObject({
      detail: expect.stringMatching(/still being written/),
    });
    expect((await download('format=json')).res.status).toBe(200);
    // the audit export shares the gate, and a bad request holds no place in it
    expect((await download('format=docx')).res.status).toBe(400);
    const trail = await fetch(`${server().url}/export/audit?format=json`, {
      headers: { authorization: `Bearer ${seeded().viewerKey}` },
    });
    expect(trail.status).toBe(200);
  });
});

describe('a report whose head takes a while', () => {
  // A 1 ms heartbeat: the few milliseconds this head takes stand in for the minutes a million
  // entries take, when a proxy would close a download that sends nothing.
  const slow = useTestServer({ inMemoryStore: true, exportHeartbeatMs: 1 });

  it('answers at once, keeps the download alive with newlines, and still parses; the count comes as a trailer', async () => {
    const s = slow();
    const api = createTRPCClient<AppRouter>({
      links: [
        httpBatchLink({ url: `${s.url}/trpc`, headers: { authorization: `Bearer ${s.adminKey}` } }),
      ],
    });
    await api.sdk.registerAgent.mutate({ name: 'teller', allows: ['check_balance'] });
    for (let i = 0; i < 20; i++)
      await api.sdk.decide.mutate({ agent: 'teller', action: 'check_balance', args: { i } });
    for (const format of ['json', 'yaml', 'md'] as const) {
      const { text, trailers, headers } = await new Promise<{
        text: string;
        trailers: NodeJS.Dict<string>;
        headers: NodeJS.Dict<string | string[]>;
      }>((resolve, reject) => {
        get(
          `${s.url}/export/report?format=${format}`,
          { headers: { authorization: `Bearer ${s.adminKey}` } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({
                text: Buffer.concat(chunks).toString(),
                trailers: res.trailers,
                headers: res.headers,
              }),
            );
            res.on('error', reject);
          },
        ).on('error', reject);
      });
      expect(headers.trailer).toBe('X-Aegis-Entries');
      expect(text.startsWith('\n')).toBe(true);
      const entries = Number(trailers['x-aegis-entries']);
      if (format === 'json')
        expect((JSON.parse(text) as { auditEntries: number }).auditEntries).toBe(entries);
      if (format === 'yaml')
        expect((parse(text) as { auditEntries: number }).auditEntries).toBe(entries);
      if (format === 'md') expect(text.trimStart().startsWith('#')).toBe(true);
      expect(entries).toBeGreaterThanOrEqual(20);
    }
  });

  it('Markdown: hostile profile text stays text (no HTML, no forged links)', async () => {
    const s = server();
    const api = createTRPCClient<AppRouter>({
      links: [
        httpBatchLink({ url: `${s.url}/trpc`, headers: { authorization: `Bearer ${s.adminKey}` } }),
      ],
    });
    const owner = '<img src=x onerror=alert(1)> [Chain verified ✔](https://attacker.invalid)';
    await api.sdk.registerAgent.mutate({ name: 'md_hostile', owner, allows: ['read'] });
    await api.sdk.decide.mutate({ agent: 'md_hostile', action: 'read', args: {} });
    const md = (await download('format=md&agents=md_hostile')).body.toString();
    expect(md).not.toContain('<img');
    expect(md).not.toContain('[Chain verified ✔](');
    expect(md).toContain('&lt;img src=x onerror=alert\\(1\\)&gt; \\[Chain verified ✔\\]');
  });
});

describe('approvals in the report name the rule that asked for the review', () => {
  it('JSON, YAML, Markdown and PDF carry it (the policy default when no rule asked)', async () => {
    const s = server();
    const api = createTRPCClient<AppRouter>({
      links: [
        httpBatchLink({ url: `${s.url}/trpc`, headers: { authorization: `Bearer ${s.adminKey}` } }),
      ],
    });
    await api.sdk.registerAgent.mutate({ name: 'lender', allows: ['lend'] });
    const applied = await api.policies.applyRules.mutate({
      yaml: [
        'apiVersion: aegis/v1',
        'kind: AgentPolicy',
        'agent: lender',
        'rules:',
        '  - id: big-loans',
        '    actions: [lend]',
        '    when: args.amount > 1000',
        '    effect: REVIEW',
        '    reason: a big loan',
      ].join('\n'),
    });
    expect(applied.ok).toBe(true);
    const version = applied.policies.find((p) => p.agent === 'lender')?.version;
    const big = await api.sdk.decide.mutate({
      agent: 'lender',
      action: 'lend',
      args: { amount: 5000 },
    });
    const unknown = await api.sdk.decide.mutate({
      agent: 'lender',
      action: 'close_account',
      args: {},
    });
    expect([big.verdict, unknown.verdict]).toEqual(['REVIEW', 'REVIEW']);
    await api.approvals.decide.mutate({ id: big.approvalId!, decision: 'DENIED' });

    const json = JSON.parse((await download('format=json&agents=lender')).body.toString()) as {
      approvals: Array<{
        id: number;
        action: string;
        rule: string | null;
        decidedBy: string | null;
      }>;
    };
    const byAction = Object.fromEntries(json.approvals.map((a) => [a.action, a]));
    expect(byAction.lend).toMatchObject({ rule: `big-loans@agentv${version}`, decidedBy: 'admin' });
    expect(byAction.close_account?.rule).toMatch(/^default@defaultv\d+$/);

    const yaml = parse((await download('format=yaml&agents=lender')).body.toString()) as {
      approvals: Array<{ action: string; rule: string | null }>;
    };
    expect(yaml.approvals.find((a) => a.action === 'lend')?.rule).toBe(
      `big-loans@agentv${version}`,
    );

    const md = (await download('format=md&agents=lender')).body.toString();
    expect(md).toContain('| Id | Agent | Action | Rule | Status |');
    expect(md).toMatch(
      new RegExp(
        `\\| ${big.approvalId} \\| lender \\| lend \\| big-loans@agentv${version} \\| DENIED \\|`,
      ),
    );

    const pdf = pdfText((await download('format=pdf&agents=lender')).body);
    expect(pdf).toContain(`big-loans@agentv${version}`);
  });
});
