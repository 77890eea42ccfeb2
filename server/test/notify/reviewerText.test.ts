import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/testServer';
import { trpcClient } from '../helpers/trpcClient';
import { onServer, startReceiver, type Receiver } from './receiver';
import { startServerMailingTo, startSmtp } from './smtp';

// Attack review 7: what an agent puts in its arguments reaches reviewers in Slack, e-mail, the
// confirmation page and the approval queue. It must read as what will run.
process.env.AEGIS_NOTIFY_TICK_MS = '100';
process.env.AEGIS_NOTIFY_RETRY_MS = '100';

const POLICY = `
kind: AgentPolicy
agent: WireBot
rules:
  - id: wires-need-review
    actions: [wire_money]
    effect: REVIEW
    notify: [ops-slack, reviewers]
`;
/** Shown right to left from U+202E, these read "0009" and "acct-4321". */
const BIDI_ARGS = {
  amount: '\u202E9000\u202C',
  to: 'acct-\u202E1234\u202C',
  memo: 'zero\u200Bwidth',
};
const SLACK_ARGS = {
  note: '<!channel> pre-approved: <https://evil.example/approve|Approve this call> & more',
};
const HIDDEN = /[\u202A-\u202E\u2066-\u2069\u200B-\u200F\uFEFF]/;

let server: TestServer;
let slack: Receiver;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let admin: ReturnType<typeof trpcClient>;

beforeAll(async () => {
  smtp = await startSmtp();
  server = await startServerMailingTo(smtp);
  admin = trpcClient(server.url, server.adminKey);
  slack = await startReceiver();
  await admin.channels.create.mutate({ name: 'ops-slack', kind: 'slack', url: slack.url });
  await admin.channels.create.mutate({
    name: 'reviewers',
    kind: 'email',
    to: ['rita@example.com'],
  });
  await admin.sdk.registerAgent.mutate({ name: 'WireBot', allows: ['read'] });
  await admin.policies.applyRules.mutate({ yaml: POLICY });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await slack?.close();
  await smtp?.close();
});

/** Opens an approval with these arguments; returns its id, its Slack payload and its e-mail. */
async function open(args: Record<string, unknown>) {
  const [slackBefore, mailBefore] = [slack.received.length, smtp.mails.length];
  const d = await admin.sdk.decide.mutate({ agent: 'WireBot', action: 'wire_money', args });
  expect(d.verdict).toBe('REVIEW');
  const slackBody = (await slack.waitFor(slackBefore + 1))[slackBefore]!.body;
  const mail = (await smtp.waitFor(mailBefore + 1))[mailBefore]!;
  return { id: d.approvalId!, slackBody, mail };
}

describe('text from an agent, as reviewers read it', () => {
  it('shows bidi and zero-width characters as escapes, with a warning, everywhere a reviewer reads the call', async () => {
    const { id, slackBody, mail } = await open(BIDI_ARGS);

    const card = (await admin.approvals.pending.query()).find((p) => p.id === id)!;
    expect(card.argsPreview).not.toMatch(HIDDEN);
    expect(card.argsPreview).toContain('\\u202e9000\\u202c');
    // Still the JSON of the very arguments that will run.
    expect(JSON.parse(card.argsPreview)).toEqual(BIDI_ARGS);

    expect(slackBody).not.toMatch(HIDDEN);
    expect(slackBody).toContain('hidden/direction-changing characters');
    expect(mail.text).not.toMatch(HIDDEN);
    expect(mail.text).toContain('\\u202e9000\\u202c');
    expect(mail.text).toContain('hidden/direction-changing characters');

    const link = onServer(server.url, /Approve: (\S+)/.exec(mail.text!)![1]!);
    const html = await (await fetch(link)).text();
    expect(html).not.toMatch(HIDDEN);
    expect(html).toContain('acct-\\u202e1234\\u202c');
    expect(html).toContain('hidden/direction-changing characters');
  });

  it("escapes Slack markup in the arguments: no @channel ping or link of the agent's making", async () => {
    const { slackBody, mail } = await open(SLACK_ARGS);
    expect(slackBody).not.toContain('<!channel>');
    expect(slackBody).not.toContain('<https://evil.example');
    expect(slackBody).toContain('&lt;!channel&gt;');
    expect(slackBody).toContain('&amp; more');
    // The only links are the buttons, and they are the server's.
    const payload = JSON.parse(slackBody) as {
      blocks: Array<{ elements?: Array<{ url?: string }> }>;
    };
    const urls = payload.blocks.flatMap((b) => b.elements ?? []).map((e) => e.url);
    expect(urls.every((u) => u && !u.includes('evil.example'))).toBe(true);
    // No warning for plain text; the e-mail is plain text and shows it as is.
    expect(slackBody).not.toContain('hidden/direction-changing');
    expect(mail.text).toContain('<!channel>');
  });
});
