import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';

// DLP findings on the record: what was found and where, never the value, for strict and local mode.
let t: TestContext;
const bot = principals.agent('DlpBot');
const CARD = '4111 1111 1111 1111';
const SSN = '536-22-1120';
beforeAll(async () => {
  t = await createTestContext();
  await t.as(bot).sdk.registerAgent({ name: 'DlpBot', allows: ['send_notification'], review: ['export_report'] });
});
afterAll(() => t.dispose());

async function entryOf(callId: string) {
  const page = await t.as(principals.viewer).audit.list({ agent: 'DlpBot', limit: 200 });
  const entry = page.entries.find((e) => e.callId === callId);
  if (!entry) throw new Error(`no entry for ${callId}`);
  return entry;
}

/** Everything stored about the agent, as text: no raw value may appear in it. */
async function storedText(): Promise<string> {
  const db = t.store.connection;
  const [audit, approvals] = await Promise.all([
    db.collection('audit_log').find({ agent: 'DlpBot' }).toArray(),
    db.collection('approvals').find({ agent: 'DlpBot' }).project({ args: 0 }).toArray(),
  ]);
  return JSON.stringify([audit, approvals]);
}

describe('findings on audit entries (strict mode)', () => {
  it('records detector, path and count of what the arguments hold, masks the preview, stores no value', async () => {
    const d = await t.as(bot).sdk.decide({
      agent: 'DlpBot',
      action: 'send_notification',
      args: { to: 'ops', message: `card ${CARD}, ssn ${SSN}` },
    });
    expect(d.verdict).toBe('ALLOWED');
    const entry = await entryOf(d.callId);
    expect(entry.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ detector: 'card', where: 'args', path: '/message', count: 1 }),
        expect.objectContaining({ detector: 'ssn', where: 'args', path: '/message', count: 1 }),
      ]),
    );
    expect(entry.argsPreview).toContain('************1111');
    const text = await storedText();
    expect(text).not.toContain(CARD);
    expect(text).not.toContain(SSN);
  });

  it('a call with nothing sensitive has no findings', async () => {
    const d = await t.as(bot).sdk.decide({ agent: 'DlpBot', action: 'send_notification', args: { to: 'ops', message: 'hello' } });
    expect((await entryOf(d.callId)).findings).toBeUndefined();
  });

  it('the approval of a reviewed call carries the findings', async () => {
    const d = await t.as(bot).sdk.decide({ agent: 'DlpBot', action: 'export_report', args: { ssn: SSN } });
    expect(d.verdict).toBe('REVIEW');
    const approval = await t.as(principals.reviewer).approvals.byId({ id: d.approvalId! });
    expect(approval.kind).toBe('call');
    expect(approval.findings).toEqual([expect.objectContaining({ detector: 'ssn', where: 'args', path: '/ssn' })]);
  });

  it('Activity filters by detector and by category', async () => {
    const { audit } = t.as(principals.viewer);
    const cards = await audit.list({ agent: 'DlpBot', detector: 'card', limit: 50 });
    expect(cards.entries.length).toBeGreaterThan(0);
    expect(cards.entries.every((e) => e.findings?.some((f) => f.detector === 'card'))).toBe(true);
    const financial = await audit.list({ agent: 'DlpBot', detector: 'financial', limit: 50 });
    expect(financial.entries.map((e) => e.id)).toEqual(cards.entries.map((e) => e.id));
    expect((await audit.list({ agent: 'DlpBot', detector: 'iban', limit: 50 })).entries).toEqual([]);
    await expect(audit.list({ detector: 'Not A Name', limit: 5 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('the Overview counts findings per detector over the last 24 h', async () => {
    const { findings } = await t.as(principals.viewer).stats.timeline({ hours: 24 });
    expect(findings.find((f) => f.detector === 'card')?.calls).toBeGreaterThanOrEqual(1);
    expect(findings.find((f) => f.detector === 'ssn')?.count).toBeGreaterThanOrEqual(2);
  });

  it('findings are part of the hash chain: editing one breaks verification', async () => {
    const admin = t.as(principals.admin);
    expect((await admin.audit.verify()).ok).toBe(true);
    const coll = t.store.connection.collection('audit_log');
    const target = await coll.findOne({ agent: 'DlpBot', 'findings.detector': 'card' });
    await coll.updateOne({ _id: target!._id }, { $set: { 'findings.0.count': 7 } });
    expect((await admin.audit.verify()).ok).toBe(false);
    await coll.updateOne({ _id: target!._id }, { $set: { findings: target!.findings as unknown[] } });
    expect((await admin.audit.verify()).ok).toBe(true);
  });
});

describe('findings on local-mode records', () => {
  it('are computed from the shipped arguments like strict mode', async () => {
    const res = await t.as(bot).sdk.recordBatch({
      entries: [
        {
          entryKey: 'dlp-local-1-xxxxxxxx',
          agent: 'DlpBot',
          action: 'send_notification',
          status: 'ALLOWED',
          details: 'allowed locally',
          callId: 'dlp-local-call-1',
          args: { message: `card ${CARD}` },
          decidedAt: new Date().toISOString(),
          policyVersion: 1,
          rule: { id: 'seed-allowed', scope: 'agent', version: 1 },
        },
      ],
      outcomes: [],
    });
    expect(res.stored).toBe(1);
    const entry = await entryOf('dlp-local-call-1');
    expect(entry.findings).toEqual([expect.objectContaining({ detector: 'card', where: 'args', path: '/message' })]);
    expect(await storedText()).not.toContain(CARD);
  });
});

describe('results (sdk.result, sdk.complete)', () => {
  it('without result rules the result is handed over; another agent key may not ask', async () => {
    const input = { agent: 'DlpBot', action: 'send_notification', callId: 'result-call-1', findings: [], preview: '"ok"' };
    await expect(t.as(bot).sdk.result(input)).resolves.toEqual({
      effect: 'ALLOW',
      reason: 'No result rule applies',
      ruleId: null,
      approvalId: null,
    });
    await expect(t.as(principals.agent('Stranger')).sdk.result(input)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('what the result held is recorded with the outcome, beside the argument findings', async () => {
    const d = await t.as(bot).sdk.decide({ agent: 'DlpBot', action: 'send_notification', args: { message: `card ${CARD}` } });
    await t.as(bot).sdk.complete({
      callId: d.callId,
      outcome: 'ok',
      durationMs: 3,
      resultFindings: [{ detector: 'ssn', path: '/ssn', count: 2, confidence: 0.95 }],
      resultEffect: 'REDACT',
    });
    await expect
      .poll(async () => entryOf(d.callId))
      .toMatchObject({
        outcome: 'ok',
        resultEffect: 'REDACT',
        findings: [
          expect.objectContaining({ detector: 'card', where: 'args' }),
          expect.objectContaining({ detector: 'ssn', where: 'result', path: '/ssn', count: 2 }),
        ],
      });
    expect((await t.as(principals.viewer).audit.list({ agent: 'DlpBot', detector: 'ssn', limit: 50 })).entries.map((e) => e.callId)).toContain(d.callId);
    expect((await t.as(principals.admin).audit.verify()).ok).toBe(true);
  });
});

describe('values written with invisible characters and Unicode separators (strict mode)', () => {
  // How someone would hide them from DLP: zero-width spaces, soft hyphens, no-break and narrow
  // no-break spaces, en dashes between the groups. Found all the same, and masked whole.
  const guard = principals.agent('DlpGuard');
  const HIDDEN = {
    zeroWidth: 'card 4111\u200b1111\u200b1111\u200b1111',
    softHyphen: 'card 4111\u00ad1111\u00ad1111\u00ad1111',
    noBreakSpace: 'card 4111\u00a01111\u00a01111\u00a01111',
    narrowNoBreakSpace: 'card 4111\u202f1111\u202f1111\u202f1111',
    enDash: 'card 4111\u20131111\u20131111\u20131111',
    mixed: 'card 4111\u200b\u00a01111\u2013\u00ad1111\u202f\u20601111',
    ssn: 'ssn 536\u200b-22\u2013\u00ad8151',
    awsKey: 'key AKIA\u200bIOSFODNN7\u00adEXAMPLE',
  };

  beforeAll(async () => {
    await t.as(guard).sdk.registerAgent({ name: 'DlpGuard', allows: ['send_email'] });
    const applied = await t.as(principals.admin).policies.applyRules({
      message: 'no cards, SSNs or keys out',
      yaml: `kind: AgentPolicy
agent: DlpGuard
rules:
  - id: no-leaks
    actions: [send_email]
    when: dlp.found('card') || dlp.found('ssn') || dlp.found('secret')
    effect: BLOCK
`,
    });
    expect(applied.problems ?? []).toEqual([]);
  });

  it.each(Object.entries(HIDDEN))('%s: blocked by the dlp rule, the stored preview masked', async (_name, body) => {
    const d = await t.as(guard).sdk.decide({ agent: 'DlpGuard', action: 'send_email', args: { to: 'x@example.com', body } });
    expect(d.verdict).toBe('BLOCKED');
    const page = await t.as(principals.viewer).audit.list({ agent: 'DlpGuard', limit: 50 });
    const entry = page.entries.find((e) => e.callId === d.callId)!;
    expect(entry.rule?.id).toBe('no-leaks');
    expect(entry.findings).toEqual(expect.arrayContaining([expect.objectContaining({ path: '/body' })]));
    // Masked whole: the invisible characters inside the value go with it.
    expect(entry.argsPreview).toMatch(/\*{12}1111|\*{3}-\*{2}-8151|\[REDACTED:aws_access_key\]/);
    expect(entry.argsPreview).not.toMatch(/[\u200b\u00ad\u00a0\u202f\u2013\u2060]/);
    const stored = JSON.stringify(await t.store.connection.collection('audit_log').find({ callId: d.callId }).toArray());
    const visible = body.replace(/[\u200b\u00ad\u2060]/g, '').replace(/[\u00a0\u202f]/g, ' ').replace(/\u2013/g, '-');
    const digits = visible.replace(/\D/g, '');
    for (const value of [body.slice(5), visible.slice(5), ...(digits.length >= 9 ? [digits] : [])]) expect(stored).not.toContain(value);
  });
});

describe('values written in Unicode digits, with combining marks or line separators (strict mode)', () => {
  // The other ways to hide a value from DLP: mathematical digits (surrogate pairs in UTF-16),
  // digits of other scripts, superscript and circled digits, combining marks, keycaps and
  // variation selectors on the digits, line separators between the groups, mathematical letters.
  // Each with what it reads as: neither may be stored, and the mask covers the whole span.
  const guard = principals.agent('DlpGuardUni');
  const m = (digits: string) => [...digits].map((d) => String.fromCodePoint(0x1d7ce + Number(d))).join('');
  const HIDDEN: Record<string, [body: string, reads: string]> = {
    mathDigits: [`card ${m('4111')} ${m('1111')} ${m('1111')} ${m('1111')}`, '4111 1111 1111 1111'],
    mathDigitsGlued: [`card ${m('4111111111111111')}`, '4111111111111111'],
    arabicIndic: ['card \u0664\u0661\u0661\u0661 \u0661\u0661\u0661\u0661 \u0661\u0661\u0661\u0661 \u0661\u0661\u0661\u0661', '4111 1111 1111 1111'],
    superscriptCircled: ['card \u2074\u00b9\u00b9\u00b9 \u2460\u2460\u2460\u2460 \u2780\u2780\u2780\u2780 \u00b9\u00b9\u00b9\u00b9', '4111 1111 1111 1111'],
    combiningMarks: ['card 4\u03011\u033211\u20dd 1\u0338111 11\u034f11 111\u{e0100}1', '4111 1111 1111 1111'],
    keycaps: ['card 4\ufe0f\u20e31\ufe0f\u20e31\ufe0f\u20e31\ufe0f\u20e3 1111 1111 1111', '4111 1111 1111 1111'],
    lineSeparators: ['card 4111\u20281111\u20291111\u00851111', '4111 1111 1111 1111'],
    ssnMarks: ['ssn 5\u03013\u03016\u20132\u03012\u2212\u{1d7d6}151', '536-22-8151'],
    awsKeyMathLetters: [`key ${[...'AKIAIOSFODNN7EXAMPLE'].map((c) => (/\d/.test(c) ? m(c) : String.fromCodePoint(0x1d400 + c.charCodeAt(0) - 65))).join('')}`, 'AKIAIOSFODNN7EXAMPLE'],
  };

  beforeAll(async () => {
    await t.as(guard).sdk.registerAgent({ name: 'DlpGuardUni', allows: ['send_notification'] });
    const applied = await t.as(principals.admin).policies.applyRules({
      message: 'no cards, SSNs or keys out, in any digits',
      yaml: `kind: AgentPolicy
agent: DlpGuardUni
rules:
  - id: no-leaks
    actions: [send_notification]
    when: dlp.found('card') || dlp.found('ssn') || dlp.found('secret')
    effect: BLOCK
`,
    });
    expect(applied.problems ?? []).toEqual([]);
  });

  it.each(Object.entries(HIDDEN))('%s: blocked by the dlp rule, the stored preview masked whole', async (_name, [body, reads]) => {
    const d = await t.as(guard).sdk.decide({ agent: 'DlpGuardUni', action: 'send_notification', args: { message: body } });
    expect(d.verdict).toBe('BLOCKED');
    const page = await t.as(principals.viewer).audit.list({ agent: 'DlpGuardUni', limit: 50 });
    const entry = page.entries.find((e) => e.callId === d.callId)!;
    expect(entry.rule?.id).toBe('no-leaks');
    expect(entry.findings).toEqual(expect.arrayContaining([expect.objectContaining({ path: '/message' })]));
    // The whole original span is replaced by an ASCII mask: no digit of it, no mark, no half pair.
    expect(entry.argsPreview).toMatch(/(?:card|ssn|key) (?:\*{12}1111|\*{3}-\*{2}-8151|\[REDACTED:aws_access_key\])"/);
    expect(entry.argsPreview).not.toMatch(/[^\x20-\x7e]/);
    const stored = JSON.stringify(await t.store.connection.collection('audit_log').find({ callId: d.callId }).toArray());
    const digits = reads.replace(/\D/g, '');
    for (const value of [body.slice(4), reads, ...(digits.length >= 9 ? [digits] : [])]) expect(stored).not.toContain(value);
  });

  it('lets ordinary text in Arabic and Devanagari numerals and emoji with variation selectors through', async () => {
    const message = 'رصيد ١٢٬٥٠٠٫٠٠ بتاريخ ٢٠٢٦/١١/٢٠ — शेष ₹२,३४५.१२ \u2705\ufe0f press 1\ufe0f\u20e3';
    const d = await t.as(guard).sdk.decide({ agent: 'DlpGuardUni', action: 'send_notification', args: { message } });
    expect(d.verdict).toBe('ALLOWED');
    const page = await t.as(principals.viewer).audit.list({ agent: 'DlpGuardUni', limit: 50 });
    expect(page.entries.find((e) => e.callId === d.callId)!.findings ?? []).toEqual([]);
  });
});
