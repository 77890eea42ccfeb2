import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/testServer';
import { trpcClient } from '../helpers/trpcClient';
import { onServer } from './receiver';
import { startServerMailingTo, startSmtp } from './smtp';

process.env.AEGIS_NOTIFY_TICK_MS = '100';
process.env.AEGIS_NOTIFY_RETRY_MS = '100';

// Two people must approve a wire; the rule tells two e-mail channels, and one mailbox is on both
// (typed with capitals on the second: addresses are compared case-insensitively everywhere else).
const POLICY = `
kind: AgentPolicy
agent: TwoManBot
rules:
  - id: two-person-wires
    actions: [wire]
    effect: REVIEW
    notify: [first-line, on-call]
    approval:
      quorum: 2
`;

let server: TestServer;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let admin: ReturnType<typeof trpcClient>;

beforeAll(async () => {
  smtp = await startSmtp();
  server = await startServerMailingTo(smtp);
  admin = trpcClient(server.url, server.adminKey);
  await admin.channels.create.mutate({
    name: 'first-line',
    kind: 'email',
    to: ['rita@example.com', 'sam@example.com'],
  });
  await admin.channels.create.mutate({ name: 'on-call', kind: 'email', to: ['Rita@Example.com'] });
  await admin.sdk.registerAgent.mutate({ name: 'TwoManBot', allows: ['read'] });
  await admin.policies.applyRules.mutate({ yaml: POLICY });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await smtp?.close();
});

/** The link of one mail, by the recipient it was signed for (its `r` claim: mail parsers fold case). */
function approveLinkFor(mails: Awaited<ReturnType<typeof smtp.waitFor>>, recipient: string) {
  for (const mail of mails) {
    const link = /Approve: (\S+)/.exec(mail.text ?? '')?.[1];
    const token = link && new URL(link).searchParams.get('t');
    const claims = token
      ? (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { r: string })
      : null;
    if (link && claims?.r === recipient) return onServer(server.url, link);
  }
  throw new Error(`no link for ${recipient}`);
}

const post = (link: string) =>
  fetch(`${new URL(link).origin}/notify/decide`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ t: new URL(link).searchParams.get('t')! }).toString(),
  });

describe('quorum votes by e-mail', () => {
  it('refuses a channel that lists one address twice in two spellings', async () => {
    await expect(
      admin.channels.create.mutate({
        name: 'twice',
        kind: 'email',
        to: ['rita@example.com', 'RITA@example.com'],
      }),
    ).rejects.toThrow(/listed twice/);
  });

  it('counts one mailbox once, however its address was typed on each channel', async () => {
    const d = await admin.sdk.decide.mutate({
      agent: 'TwoManBot',
      action: 'wire',
      args: { amount: 50_000 },
    });
    const mails = await smtp.waitFor(3);
    const first = await post(approveLinkFor(mails, 'rita@example.com'));
    expect(first.status).toBe(200);
    const second = await post(approveLinkFor(mails, 'Rita@Example.com'));
    expect(second.status).toBe(409);
    expect(await second.text()).toContain('already approved');
    const waiting = await admin.approvals.byId.query({ id: d.approvalId! });
    expect(waiting.status).toBe('PENDING');
    expect(waiting.votes?.map((v) => v.by)).toEqual(['rita@example.com']);

    // A second person completes it.
    expect((await post(approveLinkFor(mails, 'sam@example.com'))).status).toBe(200);
    expect((await admin.approvals.byId.query({ id: d.approvalId! })).status).toBe('APPROVED');
  });
});
