import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveKeys } from '../../src/notify/crypto';
import { signLink } from '../../src/notify/links';
import type { TestServer } from '../helpers/testServer';
import { trpcClient } from '../helpers/trpcClient';
import { onServer } from './receiver';
import { startServerMailingTo, startSmtp } from './smtp';

process.env.AEGIS_NOTIFY_TICK_MS = '100';
process.env.AEGIS_NOTIFY_RETRY_MS = '100';

const POLICY = `
kind: AgentPolicy
agent: MailBot
rules:
  - id: exports-need-review
    actions: [export_customers]
    effect: REVIEW
    reason: "Exporting the customer with SSN {{ args.ssn }} needs a person"
    notify: [reviewers]
`;

let server: TestServer;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let admin: ReturnType<typeof trpcClient>;

beforeAll(async () => {
  smtp = await startSmtp();
  server = await startServerMailingTo(smtp);
  admin = trpcClient(server.url, server.adminKey);
  await admin.channels.create.mutate({
    name: 'reviewers',
    kind: 'email',
    to: ['rita@example.com', 'sam@example.com'],
  });
  await admin.sdk.registerAgent.mutate({ name: 'MailBot', allows: ['read'] });
  await admin.policies.applyRules.mutate({ yaml: POLICY });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await smtp?.close();
});

let n = 0;
/** Opens an approval and returns its id with the links each reviewer was mailed. */
async function openAndMail() {
  const before = smtp.mails.length;
  const d = await admin.sdk.decide.mutate({
    agent: 'MailBot',
    action: 'export_customers',
    args: { n: ++n, ssn: '123-45-6789' },
  });
  const mails = (await smtp.waitFor(before + 2)).slice(before);
  const linksFor = (to: string) => {
    const mail = mails.find((m) => m.to && !Array.isArray(m.to) && m.to.text === to)!;
    const link = (label: string) =>
      onServer(server.url, new RegExp(`${label}: (\\S+)`).exec(mail.text!)![1]!);
    return { mail, approve: link('Approve'), deny: link('Deny') };
  };
  return {
    id: d.approvalId!,
    rita: linksFor('rita@example.com'),
    sam: linksFor('sam@example.com'),
  };
}

const post = (link: string) =>
  fetch(`${new URL(link).origin}/notify/decide`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ t: new URL(link).searchParams.get('t')! }).toString(),
  });

describe('approvals by e-mail', () => {
  it('mails each reviewer the masked call with links that open a confirmation page, then decide once', async () => {
    const { id, rita } = await openAndMail();
    expect(rita.mail.subject).toContain(`MailBot wants to run export_customers (approval #${id})`);
    expect(rita.mail.text).toContain('exports-need-review');
    expect(rita.mail.text).toContain(
      'Why it is held: Exporting the customer with SSN ***-**-6789 needs a person',
    );
    expect(rita.mail.text).toContain('***-**-6789');
    expect(rita.mail.text).not.toContain('123-45-6789');

    // Opening the link (a mail scanner would too) changes nothing.
    const page = await fetch(rita.approve);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`Approve approval #${id}?`);
    expect(html).toContain('Approve as rita@example.com');
    expect((await admin.approvals.byId.query({ id })).status).toBe('PENDING');

    const confirmed = await post(rita.approve);
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('Approved by rita@example.com');
    expect(await admin.approvals.byId.query({ id })).toMatchObject({
      status: 'APPROVED',
      decidedBy: 'rita@example.com',
      decidedVia: 'email:reviewers',
    });

    // The same link again is a replay.
    const replay = await post(rita.approve);
    expect(replay.status).toBe(409);
    expect(await replay.text()).toContain('already used');
  });

  it('refuses a changed link and an expired one, and leaves the approval open', async () => {
    const { id, sam } = await openAndMail();
    const token = new URL(sam.deny).searchParams.get('t')!;
    const [body, sig] = token.split('.');
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    const forged = Buffer.from(JSON.stringify({ ...claims, d: 'APPROVED' })).toString('base64url');
    const tampered = await post(`${server.url}/notify/decide?t=${forged}.${sig}`);
    expect(tampered.status).toBe(400);

    // A link signed by this server whose time is up (made here with the installation's key).
    const secret = (await readFile(path.join(server.dataDir, 'binding.key'), 'utf8')).trim();
    const expired = signLink(deriveKeys(Buffer.from(secret)).links, {
      a: id,
      d: 'DENIED',
      c: 'reviewers',
      r: 'sam@example.com',
      e: Date.now() - 1000,
    });
    const late = await post(`${server.url}/notify/decide?t=${expired}`);
    expect(late.status).toBe(410);
    expect(await late.text()).toContain('expired');
    expect((await fetch(`${server.url}/notify/decide?t=${expired}`)).status).toBe(410);
    expect((await admin.approvals.byId.query({ id })).status).toBe('PENDING');

    // Sam's own, unexpired link still works.
    expect((await post(sam.deny)).status).toBe(200);
    expect((await admin.approvals.byId.query({ id })).status).toBe('DENIED');
  });

  // From an attack review: removing a channel revoked its links only until a channel of the same
  // name was made again. Last in this file: it replaces the channel the others use.
  it("a removed channel's links stay dead when a channel of the same name is made again", async () => {
    const { id, sam } = await openAndMail();
    // A channel rules in force name can't be removed: the rule stops naming it first.
    await admin.policies.applyRules.mutate({
      yaml: POLICY.replace('    notify: [reviewers]\n', ''),
    });
    await admin.channels.remove.mutate({ name: 'reviewers' });
    const removed = await post(sam.approve);
    expect(removed.status).toBe(410);
    await admin.channels.create.mutate({
      name: 'reviewers',
      kind: 'email',
      to: ['carol@example.com'],
    });
    const again = await post(sam.approve);
    expect(again.status).toBe(410);
    expect(await again.text()).toContain('was removed');
    expect((await fetch(sam.approve)).status).toBe(410);

    // A link of the right channel and generation, for someone no longer on it, is refused too.
    const secret = (await readFile(path.join(server.dataDir, 'binding.key'), 'utf8')).trim();
    const [channel] = (await admin.channels.list.query()).filter((c) => c.name === 'reviewers');
    const forSam = signLink(deriveKeys(Buffer.from(secret)).links, {
      a: id,
      d: 'APPROVED',
      c: 'reviewers',
      g: String(Date.parse(channel!.createdAt)),
      r: 'sam@example.com',
      e: Date.now() + 60_000,
    });
    const notOnIt = await post(`${server.url}/notify/decide?t=${forSam}`);
    expect(notOnIt.status).toBe(410);
    expect(await notOnIt.text()).toContain('no longer receives');
    expect((await admin.approvals.byId.query({ id })).status).toBe('PENDING');
  });
});
