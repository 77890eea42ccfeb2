import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditHashInput,
  outcomeHashInput,
  parseRuleRef,
  type HashedAuditFields,
  type HashedOutcomeFields,
} from '@aegis/shared';
import { AegisApprovalPendingError, AegisExportFileError, verifyExport } from '../src/index';
import { buildCli, cliRunner } from './helpers/cli';
import { uniqueAgent, useSdkServer } from './helpers/server';

// An auditor holding a compliance export checks it offline: `aegis audit verify --file` recomputes
// every entry's hash and checks the links and the head, with no server and no key. Real entries
// from real decisions (DLP findings, rules, an approval, people's actions, outcomes), exported by
// a real server, then tampered with the way a forger would.
const t = useSdkServer({ inMemoryStore: true });
// No server at this address and no key: the offline check must need neither.
const { cli } = cliRunner(() => ({ url: 'http://127.0.0.1:9', adminKey: '' }));

interface Entry {
  id: number;
  details: string;
  hash: string;
  prevHash: string | null;
  outcome: string | null;
  findings?: unknown[];
  rule: string | null;
  upstream?: string;
  upstreamTool?: string;
  outcomeRecord?: HashedOutcomeFields & { hash: string };
}
interface Report {
  chain: { headId: number; headHash: string };
  verification: { outcomeHead?: { id: number | null; hash: string | null } };
  auditEntries: number;
  auditTrail: Entry[];
}

let dir = '';
let agent = '';
let exported = '';

beforeAll(async () => {
  await buildCli();
  dir = await mkdtemp(path.join(tmpdir(), 'aegis-verify-'));
  agent = uniqueAgent('verify');
  const other = uniqueAgent('verify-other');
  const handle = t.aegis.agent(agent, { allows: ['lookup'], blocks: ['wire'], review: ['refund'] });
  // a card number in the arguments: DLP findings, hashed with the entry
  await handle.call('lookup', { customer_id: 7, card: '4111 1111 1111 1111' }, () => 'ok');
  await handle.call('lookup', { customer_id: 8 }, () => 'ok');
  await handle.call('wire', { amount: 10 }, () => 'never').catch(() => undefined);
  const pending = await handle
    .call('refund', { amount: 5 }, () => 'refunded', { wait: false })
    .catch((e: unknown) => e);
  expect(pending).toBeInstanceOf(AegisApprovalPendingError);
  await t.reviewer.approvals.decide.mutate({
    id: (pending as AegisApprovalPendingError).approvalId,
    decision: 'APPROVED',
  });
  const second = t.aegis.agent(other, { allows: ['lookup'] });
  await second.call('lookup', { customer_id: 9 }, () => 'ok');
  await t.reviewer.agents.setStatus.mutate({ name: other, status: 'PAUSED', reason: 'audit test' });
  await t.reviewer.agents.setStatus.mutate({ name: other, status: 'ACTIVE' });
  // as the MCP gateway calls: the upstream's own tool name on record, hashed with the entry
  await handle.call('lookup', { customer_id: 11 }, () => 'ok', {
    channel: 'mcp',
    upstream: 'crm',
    upstreamTool: 'lookup customer',
  });
  await handle.call('lookup', { customer_id: 10 }, () => 'ok');
  exported = await download('format=json');
}, 240_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function download(query: string): Promise<string> {
  const res = await fetch(`${t.server.url}/export/report?${query}`, {
    headers: { authorization: `Bearer ${t.server.adminKey}` },
  });
  expect(res.status).toBe(200);
  return res.text();
}

let files = 0;
async function save(text: string): Promise<string> {
  const file = path.join(dir, `report-${++files}.json`);
  await writeFile(file, text);
  return file;
}

/** The export changed as `edit` says, written back (in another layout than the server's). */
async function tampered(edit: (r: Report) => void): Promise<string> {
  const report = JSON.parse(exported) as Report;
  edit(report);
  return save(JSON.stringify(report, null, 2));
}

const verify = (file: string) => cli(['audit', 'verify', '--file', file]);
const trail = () => (JSON.parse(exported) as Report).auditTrail;
/** An entry in the middle of the trail, with neighbours on both sides. */
const middle = () => trail()[Math.floor(trail().length / 2)] as Entry;

describe('aegis audit verify --file', { timeout: 120_000 }, () => {
  it('verifies an untouched export offline: every hash, every link, the head', async () => {
    const report = JSON.parse(exported) as Report;
    expect(report.auditTrail.some((e) => e.findings?.length)).toBe(true);
    expect(report.auditTrail.some((e) => e.rule !== null)).toBe(true);
    const run = await verify(await save(exported));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const n = report.auditTrail.length;
    expect(run.stdout).toContain(`OK  `);
    expect(run.stdout).toContain(`${n} entries' hashes recomputed, ${n - 1} links checked`);
    expect(run.stdout).toContain(`the chain head ${report.chain.headHash}`);
  });

  it('a changed field: the entry no longer matches its hash', async () => {
    const target = middle();
    const run = await verify(
      await tampered((r) => {
        const e = r.auditTrail.find((x) => x.id === target.id) as Entry;
        e.details = `${e.details} (edited)`;
      }),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`entry #${target.id}: modified: entry ${target.id} was modified`);
  });

  it('DLP findings are covered: removing them shows', async () => {
    const target = trail().find((e) => e.findings?.length) as Entry;
    const run = await verify(
      await tampered((r) => {
        delete (r.auditTrail.find((x) => x.id === target.id) as Entry).findings;
      }),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`entry #${target.id}: modified`);
  });

  it("the upstream's tool name is covered: editing or removing it shows", async () => {
    const target = trail().find((e) => e.upstreamTool) as Entry;
    expect(target).toMatchObject({ upstream: 'crm', upstreamTool: 'lookup customer' });
    const edited = await verify(
      await tampered((r) => {
        (r.auditTrail.find((x) => x.id === target.id) as Entry).upstreamTool = 'lookup_customer';
      }),
    );
    expect(edited.code).toBe(1);
    expect(edited.stderr).toContain(`entry #${target.id}: modified`);
    const removed = await verify(
      await tampered((r) => {
        delete (r.auditTrail.find((x) => x.id === target.id) as Entry).upstream;
      }),
    );
    expect(removed.code).toBe(1);
    expect(removed.stderr).toContain(`entry #${target.id}: modified`);
  });

  it('an entry edited and rehashed (a forger who knows the hash function) breaks the next link', async () => {
    const rehashed = (target: Entry) =>
      tampered((r) => {
        const e = r.auditTrail.find((x) => x.id === target.id) as Entry & HashedAuditFields;
        e.details = 'nothing happened here';
        const rule = e.rule === null ? null : parseRuleRef(e.rule);
        e.hash = createHash('sha256')
          .update(auditHashInput({ ...e, rule }))
          .digest('hex');
      });
    // An entry with no outcome (a BLOCKED call, a person's action): the next entry's link breaks.
    const inner = trail().slice(1, -1);
    const plain = inner.find((e) => !e.outcomeRecord) as Entry;
    const run = await verify(await rehashed(plain));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `entry #${plain.id + 1}: broken-link: entry ${plain.id + 1} does not link to entry ${plain.id}`,
    );
    // An entry whose outcome was sealed: its outcome record still names the old hash.
    const sealed = inner.find((e) => e.outcomeRecord) as Entry;
    const withRecord = await verify(await rehashed(sealed));
    expect(withRecord.code).toBe(1);
    expect(withRecord.stderr).toContain(
      `entry #${sealed.id}: outcome-mismatch: entry ${sealed.id} no longer has the hash its outcome record`,
    );
  });

  it('a deleted entry is missing', async () => {
    const target = middle();
    const run = await verify(
      await tampered((r) => {
        r.auditTrail = r.auditTrail.filter((e) => e.id !== target.id);
      }),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `entry #${target.id}: missing-entry: entry ${target.id} is missing: ids jump from ${target.id - 1} to ${target.id + 1}`,
    );
  });

  it('the newest entry deleted (with nothing after it to link): the count shows it', async () => {
    const run = await verify(
      await tampered((r) => {
        r.auditTrail.pop();
      }),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /missing-entry: the report counts \d+ entries in its range, but its trail holds \d+/,
    );
  });

  it('two entries swapped are out of order', async () => {
    const target = middle();
    const run = await verify(
      await tampered((r) => {
        const i = r.auditTrail.findIndex((e) => e.id === target.id);
        const [a, b] = [r.auditTrail[i] as Entry, r.auditTrail[i + 1] as Entry];
        r.auditTrail[i] = b;
        r.auditTrail[i + 1] = a;
      }),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `entry #${target.id}: reordered: entry ${target.id} comes after entry ${target.id + 1}`,
    );
  });

  it('a changed head hash in the report head does not match the trail', async () => {
    const report = JSON.parse(exported) as Report;
    const run = await verify(
      await tampered((r) => {
        r.chain.headHash = 'a'.repeat(64);
      }),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `entry #${report.chain.headId}: head-mismatch: the report names entry ${report.chain.headId} as the chain's head`,
    );
  });

  it('a trusted head hash from elsewhere must be in the trail', async () => {
    const file = await save(exported);
    const head = (JSON.parse(exported) as Report).chain.headHash;
    expect((await cli(['audit', 'verify', '--file', file, '--head', head])).code).toBe(0);
    const other = await cli(['audit', 'verify', '--file', file, '--head', 'b'.repeat(64)]);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('no entry of the trail has the trusted head hash bbbbbbbb');
  });

  it('a filtered export: every hash checked, and it says which links it cannot check', async () => {
    const text = await download(`format=json&agents=${agent}`);
    const file = await save(text);
    const run = await cli(['audit', 'verify', '--file', file, '--agents', agent]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /note: filtered to 1 agent\(s\) \(verify-[^)]*\): [1-9]\d* link\(s\) across other entries cannot be checked/,
    );
    // order is still checked
    const report = JSON.parse(text) as Report;
    report.auditTrail.reverse();
    const reversed = await verify(await save(JSON.stringify(report)));
    expect(reversed.code).toBe(1);
    expect(reversed.stderr).toContain('reordered');
  });

  it('a filtered export passes only when the auditor names the agents they asked for', async () => {
    const file = await save(await download(`format=json&agents=${agent}`));
    const unasked = await verify(file);
    expect(unasked.code).toBe(1);
    expect(unasked.stderr).toContain(`filtered: the report is filtered to agent "${agent}"`);
    expect(unasked.stderr).toContain(`--agents ${agent}`);
    const elsewhere = await verifyExport({ file, agents: [agent, 'someone-else'] });
    expect(elsewhere.ok).toBe(false);
    expect(elsewhere.firstBad?.reason).toContain('not agent "someone-else" that you expected');
    // A whole-log export satisfies any list of agents.
    const whole = await verifyExport({ file: await save(exported), agents: [agent] });
    expect(whole.ok).toBe(true);
  });

  it('a whole-log export with an entry cut out does not pass by claiming a filter (review 6)', async () => {
    const target = middle();
    const file = await tampered((r) => {
      r.auditTrail = r.auditTrail.filter((e) => e.id !== target.id);
      (r as unknown as { verification: { agentFilter: string[] } }).verification.agentFilter = [
        agent,
      ];
    });
    const run = await cli(['audit', 'verify', '--file', file, '--agents', agent]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /outside-filter: entry \d+ belongs to agent "[^"]+", but the report says its trail holds only agent/,
    );
    // The same with the verification section before the trail (a reformatted file).
    const report = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    const { verification, ...rest } = report;
    const first = await save(JSON.stringify({ verification, ...rest }));
    expect((await verifyExport({ file: first, agents: [agent] })).firstBad?.problem).toBe(
      'outside-filter',
    );
  });

  it('outcomes are sealed: a changed outcome no longer matches its record', async () => {
    expect(trail().filter((e) => e.outcomeRecord).length).toBeGreaterThanOrEqual(3);
    const untouched = await verifyExport({ file: await save(exported) });
    expect(untouched.outcomes).toMatchObject({ withoutRecord: 0, notSealed: 0 });
    expect(untouched.outcomes.sealed).toBe(trail().filter((e) => e.outcomeRecord).length);
    expect(untouched.outcomes.linksChecked).toBeGreaterThanOrEqual(1);
    const file = await tampered((r) => {
      for (const e of r.auditTrail) if (e.outcome === 'ok') e.outcome = 'error';
    });
    const result = await verifyExport({ file });
    expect(result.ok).toBe(false);
    expect(result.firstBad).toMatchObject({ problem: 'outcome-mismatch' });
    const run = await verify(file);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /outcome-mismatch: entry \d+'s outcome is error, but its sealed record/,
    );
  });

  it('an outcome record changed and rehashed breaks the outcome chain', async () => {
    const sealed = trail().filter((e) => e.outcomeRecord);
    const target = sealed[1]?.outcomeRecord;
    if (!target) throw new Error('no second outcome record');
    const file = await tampered((r) => {
      for (const e of r.auditTrail) {
        const rec = e.outcomeRecord;
        if (rec?.id !== target.id) continue;
        rec.outcome = 'error';
        e.outcome = 'error';
        rec.hash = createHash('sha256').update(outcomeHashInput(rec)).digest('hex');
      }
    });
    const result = await verifyExport({ file });
    expect(result.ok).toBe(false);
    expect(result.firstBad).toMatchObject({ problem: 'broken-link' });
    expect(result.firstBad?.reason).toMatch(/outcome record/);
  });

  it('an outcome record dropped from the file leaves an unproven outcome, in the notes', async () => {
    const file = await tampered((r) => {
      const e = r.auditTrail.find((x) => x.outcomeRecord);
      if (e) delete e.outcomeRecord;
    });
    const result = await verifyExport({ file });
    expect(result.outcomes.withoutRecord).toBe(1);
    expect(result.notes.join('\n')).toMatch(/1 entries have an outcome but no outcome record/);
  });
});

describe('the outcome chain head (--outcome-head)', { timeout: 120_000 }, () => {
  /** The trail's outcome records, newest (highest id) last. */
  const sealedRecords = () =>
    trail()
      .flatMap((e) => (e.outcomeRecord ? [e.outcomeRecord] : []))
      .sort((a, b) => a.id - b.id);

  it("the report names the outcome chain's head, and it is that record of the trail", async () => {
    // The head as the report read it: outcomes reported after (the SDK reports them after the
    // call returns) may be sealed while the trail is written, after the head was read.
    const head = (JSON.parse(exported) as Report).verification.outcomeHead;
    const record = sealedRecords().find((r) => r.id === head?.id);
    expect(record?.hash).toBeDefined();
    expect(head?.hash).toBe(record?.hash);
    const file = await save(exported);
    const result = await verifyExport({ file, trustedOutcomeHeadHash: record?.hash });
    expect(result).toMatchObject({
      ok: true,
      outcomeHead: { id: record?.id, hash: record?.hash, covered: true },
    });
    const run = await cli([
      'audit',
      'verify',
      '--file',
      file,
      '--outcome-head',
      record?.hash ?? '',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`the outcome head ${record?.hash ?? ''} is the trail's record`);
  });

  it("the newest outcome records cut off (with the report's outcome head): only a noted head shows it", async () => {
    const records = sealedRecords();
    const newest = records.at(-1);
    const before = records.at(-2);
    if (!newest || !before) throw new Error('fewer than two outcome records');
    // What an export looks like after the newest record was deleted from the store: the entry
    // keeps its outcome, no record beside it, and the report's outcome head is the one before.
    const file = await tampered((r) => {
      for (const e of r.auditTrail) if (e.outcomeRecord?.id === newest.id) delete e.outcomeRecord;
      r.verification.outcomeHead = { id: before.id, hash: before.hash };
    });
    expect((await verifyExport({ file })).ok).toBe(true);
    const pinned = await verifyExport({ file, trustedOutcomeHeadHash: newest.hash });
    expect(pinned.ok).toBe(false);
    expect(pinned.firstBad).toMatchObject({ problem: 'head-mismatch' });
    const run = await cli(['audit', 'verify', '--file', file, '--outcome-head', newest.hash]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `no outcome record of the trail has the trusted outcome head hash ${newest.hash.slice(0, 16)}`,
    );
  });

  it("another chain's outcome head: the pinned hash is in no record of the trail", async () => {
    const run = await cli([
      'audit',
      'verify',
      '--file',
      await save(exported),
      '--outcome-head',
      'c'.repeat(64),
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('head-mismatch');
    const bad = await cli([
      'audit',
      'verify',
      '--file',
      await save(exported),
      '--outcome-head',
      'xyz',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--outcome-head takes a chain hash: 64 hex characters');
  });

  it("a changed outcome head in the report does not match the trail's record", async () => {
    const newest = sealedRecords().at(-1);
    const file = await tampered((r) => {
      r.verification.outcomeHead = { id: newest?.id ?? 0, hash: 'd'.repeat(64) };
    });
    const result = await verifyExport({ file });
    expect(result.ok).toBe(false);
    expect(result.firstBad?.reason).toContain(
      `the report names outcome record ${newest?.id ?? 0} as the outcome chain's head`,
    );
  });
});

describe('files that are not exports', { timeout: 120_000 }, () => {
  it('a non-JSON file, an empty one, a cut-short one: a clear error and exit 1', async () => {
    const text = await verify(await save('id,timestamp,agent\n1,2,3\n'));
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/is not a readable Aegis export: line 1: expected a JSON object/);
    const empty = await verify(await save(''));
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/the file ends before anything was read/);
    const cut = await verify(await save(exported.slice(0, Math.floor(exported.length * 0.8))));
    expect(cut.code).toBe(1);
    expect(cut.stderr).toMatch(
      /the file ends inside the audit trail, after \d+ entries: it was cut short/,
    );
    const missing = await verify(path.join(dir, 'no-such-file.json'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read .*no-such-file\.json: ENOENT/);
  });

  it('a huge line is refused without reading it whole', async () => {
    const huge = `{"auditEntries": 1, "auditTrail": [{"details": "${'x'.repeat(17 * 1024 * 1024)}"}]}`;
    const run = await verify(await save(huge));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/line 1: audit trail entry 1 is longer than 16,777,216 characters/);
  });

  it('an export from before offline verification says so', async () => {
    const file = await tampered((r) => {
      for (const e of r.auditTrail) delete (e as Partial<Entry> & { callId?: unknown }).callId;
    });
    const run = await verify(file);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'has no callId: the export was written before exports carried every hashed field',
    );
  });

  it('the library validates its options with zod', async () => {
    await expect(verifyExport({ file: '' })).rejects.toBeInstanceOf(AegisExportFileError);
    await expect(
      verifyExport({ file: 'x.json', extra: true } as unknown as Parameters<
        typeof verifyExport
      >[0]),
    ).rejects.toThrow(/verifyExport/);
    const original = await readFile(await save(exported), 'utf8');
    expect(original).toBe(exported);
  });
});
