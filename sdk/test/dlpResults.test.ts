import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '@aegis/shared';
import { AegisApprovalDeniedError, AegisBlockedError, type Aegis, type AegisApi } from '../src/index';
import { reviewerFor, sdkFor, startTestServer, uniqueAgent, watchFor, type TestServer } from './helpers/server';

// DLP end to end, in strict and local mode: arguments decided by call rules over `dlp`, results
// screened by on: result rules (redact / block / review), held results released or withheld.

const SSN = '536-22-1120';
const CARD = '4111 1111 1111 1111';
const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';

function policyFor(agent: string): string {
  return `
kind: AgentPolicy
agent: ${agent}
default: ALLOW
detectors:
  - name: employee_id
    pattern: 'EMP-\\d{6}'
rules:
  - id: card-out
    actions: [send_notification]
    when: dlp.found('card')
    effect: BLOCK
    reason: No card numbers in notifications
  - id: staff-out
    actions: [send_notification]
    when: dlp.found('employee_id')
    effect: BLOCK
    reason: No staff ids in notifications
  - id: card-mask
    actions: [pay_merchant]
    when: dlp.found('card')
    effect: REDACT
  - id: ssn-export
    actions: [export_report]
    when: dlp.foundIn('args', 'ssn')
    effect: REVIEW
  - id: ssn-redact
    on: result
    actions: [lookup_customer]
    when: dlp.foundIn('result', 'ssn')
    effect: REDACT
  - id: secret-drop
    on: result
    actions: ['*']
    when: dlp.foundIn('result', 'secret')
    effect: BLOCK
  - id: pii-tools-mask
    on: result
    actions: [fetch_profile, fetch_declared]
    when: "'pii' in tool.tags && dlp.found('email')"
    effect: REDACT
  - id: staff-hold
    on: result
    actions: ['*']
    when: dlp.found('employee_id')
    effect: REVIEW
`;
}

let server: TestServer;
let reviewer: AegisApi;
let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'aegis-dlp-'));
  server = await startTestServer();
  reviewer = reviewerFor(server);
});
afterAll(async () => {
  await server?.close();
  await rm(scratch, { recursive: true, force: true });
});

async function entriesOf(agent: string) {
  const page = await reviewer.audit.list.query({ agent, limit: 100 });
  return page.entries;
}

/** The next approval the server opens for this agent, as a reviewer sees it arrive. */
function nextApproval(aegis: Aegis, agent: string) {
  return watchFor(aegis, (e: ChangeEvent) => (e.type === 'approval.created' && e.approval.agent === agent ? e.approval : undefined));
}

for (const mode of ['strict', 'local'] as const) {
  describe(`DLP in ${mode} mode`, () => {
    let aegis: ReturnType<typeof sdkFor>;
    let agent: string;
    beforeAll(async () => {
      aegis = sdkFor(server, mode === 'local' ? { mode: 'local', spoolPath: path.join(scratch, `${mode}.jsonl`) } : {});
      agent = uniqueAgent(`dlp-${mode}`);
      await aegis
        .agent(agent, { allows: ['lookup_customer'], tools: [{ name: 'fetch_declared', tags: ['pii'] }] })
        .call('lookup_customer', {}, () => 'warm-up');
      const applied = await reviewer.policies.applyRules.mutate({ yaml: policyFor(agent) });
      expect(applied.ok).toBe(true);
      if (mode === 'local') await waitForPolicy(aegis, agent);
    });
    afterAll(async () => {
      await aegis?.close();
    });

    it('arguments: a card number in a notification is blocked; the tool never runs', async () => {
      let ran = false;
      const send = aegis.agent(agent).guard((_a: { message: string }) => (ran = true), { action: 'send_notification' });
      const err = await send({ message: `card ${CARD}` }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AegisBlockedError);
      expect(String((err as Error).message)).toContain('No card numbers');
      expect(ran).toBe(false);
      await expect(send({ message: 'your statement is ready' })).resolves.toBe(true);
    });

    it("arguments: the policy's custom detector is scanned for in the arguments too", async () => {
      let ran = false;
      const send = aegis.agent(agent).guard((_a: { message: string }) => (ran = true), { action: 'send_notification' });
      const err = await send({ message: 'ask EMP-123456 about it' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AegisBlockedError);
      expect(String((err as Error).message)).toContain('No staff ids');
      expect(ran).toBe(false);
      await aegis.flush?.();
      const blocked = (await entriesOf(agent)).find((e) => e.status === 'BLOCKED' && e.details?.includes('No staff ids'));
      expect(blocked?.findings).toEqual([expect.objectContaining({ detector: 'employee_id', path: '/message' })]);
      expect(blocked?.argsPreview).not.toContain('EMP-123456');
    });

    it('arguments: an SSN in an export is held for review; the card shows findings, not the SSN', async () => {
      const created = await nextApproval(aegis, agent);
      const exportReport = aegis.agent(agent).guard((_a: { ssn: string }) => 'exported', { action: 'export_report' });
      const call = exportReport({ ssn: SSN });
      const approval = await created.event;
      expect(approval.kind).toBe('call');
      expect(approval.findings).toEqual([expect.objectContaining({ detector: 'ssn', where: 'args', path: '/ssn' })]);
      expect(JSON.stringify(approval)).not.toContain(SSN);
      await reviewer.approvals.decide.mutate({ id: approval.id, decision: 'APPROVED' });
      await expect(call).resolves.toBe('exported');
    });

    it('arguments: a REDACT rule runs the tool with the card number masked, and records it', async () => {
      const seen: unknown[] = [];
      const pay = aegis.agent(agent).guard((a: { memo: string; amount: number }) => (seen.push(a), 'paid'), { action: 'pay_merchant' });
      await expect(pay({ memo: `card ${CARD}`, amount: 12 })).resolves.toBe('paid');
      expect(seen).toEqual([{ memo: 'card ************1111', amount: 12 }]);
      // Positional arguments come back positionally, masked.
      const payPositional = aegis.agent(agent).guard((memo: string, amount: number) => `${memo}/${amount}`, { action: 'pay_merchant' });
      await expect(payPositional(`card ${CARD}`, 3)).resolves.toBe('card ************1111/3');
      // Nothing found: the tool gets the very object it was called with.
      const plain = { memo: 'lunch', amount: 9 };
      await pay(plain);
      expect(seen[1]).toBe(plain);
      await aegis.flush?.();
      await expect
        .poll(async () => (await entriesOf(agent)).filter((e) => e.action === 'pay_merchant' && e.argsRedacted).length)
        .toBe(2);
      const entry = (await entriesOf(agent)).find((e) => e.action === 'pay_merchant' && e.argsRedacted)!;
      expect(entry).toMatchObject({ status: 'ALLOWED', rule: expect.objectContaining({ id: 'card-mask' }) });
      // local mode decided (and masked) in-process; strict mode on the server
      expect(entry.source).toBe(mode === 'local' ? 'agent' : 'server');
      expect(entry.details).toMatch(/masked/);
      expect(entry.findings).toEqual([expect.objectContaining({ detector: 'card', where: 'args' })]);
      expect(JSON.stringify(entry)).not.toContain(CARD);
      expect((await entriesOf(agent)).find((e) => e.action === 'pay_merchant' && e.argsPreview?.includes('lunch'))?.argsRedacted).toBeUndefined();
    });

    it('result: an SSN in a lookup is redacted before the agent sees it, and recorded', async () => {
      const lookup = aegis.agent(agent).guard((_a: { id: number }) => ({ name: 'Ann Lee', ssn: SSN, note: `ssn ${SSN}` }), {
        action: 'lookup_customer',
      });
      const got = await lookup({ id: 7 });
      expect(got).toEqual({ name: 'Ann Lee', ssn: '***-**-1120', note: 'ssn ***-**-1120' });
      // An ordinary object, as the tool returned: agents' code stringifies results and calls their
      // methods (a null-prototype copy threw on `${got}` and printed as [Object: null prototype]).
      expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
      expect(typeof (got as object).toString).toBe('function');
      await aegis.flush?.();
      await expect.poll(async () => (await entriesOf(agent)).find((e) => e.resultEffect === 'REDACT')).toMatchObject({
        action: 'lookup_customer',
        findings: expect.arrayContaining([expect.objectContaining({ detector: 'ssn', where: 'result', count: 1 })]),
      });
    });

    it("result: rules see the call's tool — the tags it sends and those its manifest declares", async () => {
      const profile = { name: 'Ann Lee', email: 'ann.lee@example.com' };
      const handle = aegis.agent(agent);
      const masked = await handle.call('fetch_profile', {}, () => profile, { tool: { tags: ['pii'] } });
      expect(masked).toMatchObject({ name: 'Ann Lee' });
      expect(JSON.stringify(masked)).not.toContain('ann.lee');
      // Untagged: the rule does not apply, the result is handed over as it is.
      await expect(handle.call('fetch_profile', {}, () => profile)).resolves.toEqual(profile);
      // Declared `pii` in the agent's manifest: counts though the call leaves it out.
      const declared = await handle.call('fetch_declared', {}, () => profile);
      expect(JSON.stringify(declared)).not.toContain('ann.lee');
      await aegis.flush?.();
      await expect
        .poll(async () => (await entriesOf(agent)).filter((e) => e.action.startsWith('fetch_') && e.resultEffect === 'REDACT').length)
        .toBe(2);
    });

    it('result: a class instance or an object with toJSON is screened as the model reads it (attack review 13)', async () => {
      // An ORM record or model object: the DLP walk looks only into plain objects, and scanning
      // the instance as it was found nothing — the SSN reached the agent under the REDACT rule.
      class Customer {
        constructor(
          readonly name: string,
          readonly ssn: string,
        ) {}
      }
      const lookup = aegis.agent(agent).guard((_a: { id: number }) => new Customer('Ann Lee', SSN), { action: 'lookup_customer' });
      expect(await lookup({ id: 1 })).toEqual({ name: 'Ann Lee', ssn: '***-**-1120' });
      const listed = aegis.agent(agent).guard(() => [new Customer('Bo', SSN)], { action: 'lookup_customer' });
      expect(JSON.stringify(await listed())).not.toContain(SSN);
      const serialised = aegis.agent(agent).guard(() => ({ id: 3, toJSON: () => ({ ssn: SSN }) }), { action: 'lookup_customer' });
      expect(JSON.stringify(await serialised())).not.toContain(SSN);
      // BLOCK sees into an instance too.
      class Config {
        readonly token = AWS_KEY;
      }
      const read = aegis.agent(agent).guard(() => new Config(), { action: 'read_config' });
      await expect(read()).rejects.toBeInstanceOf(AegisBlockedError);
    });

    it('result: a secret in a result is dropped; the agent gets a refusal', async () => {
      const read = aegis.agent(agent).guard(() => `config: aws_key=${AWS_KEY}`, { action: 'read_config' });
      const err = await read().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AegisBlockedError);
      expect(String((err as Error).message)).toMatch(/withheld the result/);
      expect(String((err as Error).message)).not.toContain(AWS_KEY);
    });

    it('result: a held result reaches the agent once a reviewer releases it (masked on the card)', async () => {
      const created = await nextApproval(aegis, agent);
      const staff = aegis.agent(agent).guard(() => 'owner EMP-123456, ssn ' + SSN, { action: 'staff_lookup' });
      const call = staff();
      const approval = await created.event;
      expect(approval).toMatchObject({ kind: 'result', action: 'staff_lookup' });
      expect(approval.resultPreview).toContain('[REDACTED:employee_id]');
      expect(approval.resultPreview).not.toContain(SSN);
      expect(approval.findings).toEqual(expect.arrayContaining([expect.objectContaining({ detector: 'employee_id', where: 'result' })]));
      await expect(reviewer.approvals.reveal.mutate({ id: approval.id })).rejects.toThrow(/never left the agent/);
      await expect(reviewer.approvals.decide.mutate({ id: approval.id, decision: 'APPROVED', remember: true })).rejects.toThrow(/standing rule/);
      // While it waits, the call's own entry names the hold (no entry names the approval yet).
      await aegis.flush?.();
      let callEntry: number | undefined;
      await expect
        .poll(async () => (callEntry = (await entriesOf(agent)).find((e) => e.status === 'ALLOWED' && e.callId === approval.callId)?.id))
        .toBeDefined();
      expect((await reviewer.audit.detail.query({ id: callEntry! })).approval).toMatchObject({ id: approval.id, kind: 'result', status: 'PENDING' });
      await reviewer.approvals.decide.mutate({ id: approval.id, decision: 'APPROVED' });
      await expect(call).resolves.toBe('owner EMP-123456, ssn ' + SSN);
    });

    it('result: a held result a reviewer withholds never reaches the agent', async () => {
      const created = await nextApproval(aegis, agent);
      const staff = aegis.agent(agent).guard(() => 'owner EMP-654321', { action: 'staff_lookup' });
      const call = staff().catch((e: unknown) => e);
      const approval = await created.event;
      await reviewer.approvals.decide.mutate({ id: approval.id, decision: 'DENIED' });
      const err = await call;
      expect(err).toBeInstanceOf(AegisApprovalDeniedError);
      expect(String((err as Error).message)).toMatch(/withheld the result/);
      const entries = await entriesOf(agent);
      expect(entries.find((e) => e.approvalId === approval.id && e.status === 'DENIED')?.details).toMatch(/Result withheld by/);
    });
  });
}

describe('custom detectors in policy', () => {
  it('a pattern that could backtrack catastrophically is refused when the policy is saved', async () => {
    const agent = uniqueAgent('dlp-redos');
    const aegis = sdkFor(server);
    try {
      await aegis.agent(agent, { allows: ['x'] }).call('x', {}, () => 1);
      const yaml = `kind: AgentPolicy\nagent: ${agent}\ndetectors:\n  - name: evil\n    pattern: '(a+)+$'\nrules: []\n`;
      const res = await reviewer.policies.applyRules.mutate({ yaml }).catch((e: unknown) => e);
      expect(JSON.stringify(res)).toMatch(/custom detector \\?"evil\\?"/);
      expect((await reviewer.policies.document.query({ agent })).document).toBeNull();
    } finally {
      await aegis.close();
    }
  });
});

/** Local mode decides from its snapshot: wait until it holds the applied document. */
async function waitForPolicy(aegis: Aegis, agent: string): Promise<void> {
  const probe = aegis.agent(agent).guard((_a: { message: string }) => 'sent', { action: 'send_notification' });
  for (let i = 0; i < 100; i++) {
    if ((await probe({ message: `card ${CARD}` }).catch((e: unknown) => e)) instanceof AegisBlockedError) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`local mode never saw the policy of ${agent}`);
}
