import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { trpcClient } from '../helpers/trpcClient';
import { startReceiver, type Receiver } from './receiver';

// The dispatcher looks for due work every 100 ms here, and retries after 100, 200, 400 ms…
process.env.AEGIS_NOTIFY_TICK_MS = '100';
process.env.AEGIS_NOTIFY_RETRY_MS = '100';

const POLICY = `
kind: AgentPolicy
agent: PayBot
rules:
  - id: wires-need-review
    actions: [wire]
    effect: REVIEW
    reason: "Wires to {{ args.card }} go to a person"
    notify: [ops-hook, ops-slack]
`;
const SLACK_SECRET = 'slack-signing-secret-for-tests';

let server: TestServer;
let hook: Receiver;
let slack: Receiver;
let admin: ReturnType<typeof trpcClient>;
let webhookSecret: string;

beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
  admin = trpcClient(server.url, server.adminKey);
  hook = await startReceiver({ failFirst: 2 });
  slack = await startReceiver();
  const created = await admin.channels.create.mutate({
    name: 'ops-hook',
    kind: 'webhook',
    url: hook.url,
  });
  webhookSecret = created.secret!;
  await admin.channels.create.mutate({
    name: 'ops-slack',
    kind: 'slack',
    url: slack.url,
    signingSecret: SLACK_SECRET,
  });
  await admin.sdk.registerAgent.mutate({ name: 'PayBot', allows: ['read'] });
  await admin.policies.applyRules.mutate({ yaml: POLICY });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await hook?.close();
  await slack?.close();
});

let n = 0;
async function openApproval(): Promise<number> {
  const d = await admin.sdk.decide.mutate({
    agent: 'PayBot',
    action: 'wire',
    args: { n: ++n, to: 'DE89370400440532013000', card: '4111 1111 1111 1111' },
  });
  expect(d.verdict).toBe('REVIEW');
  return d.approvalId!;
}

/** What Slack sends when someone clicks a button: form-encoded payload, signed with v0. */
function slackClick(
  value: string,
  user: string,
  opts: { secret?: string; timestamp?: number; id?: string } = {},
) {
  const payload = {
    type: 'block_actions',
    user: { id: `U-${opts.id ?? user}`, username: user },
    actions: [{ action_id: 'aegis_approve', value }],
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const ts = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const sig =
    'v0=' +
    createHmac('sha256', opts.secret ?? SLACK_SECRET)
      .update(`v0:${ts}:${body}`)
      .digest('hex');
  return fetch(`${server.url}/notify/slack/ops-slack`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': ts,
      'x-slack-signature': sig,
    },
    body,
  });
}

describe('generic webhooks', () => {
  it('signs the JSON with HMAC-SHA256 over timestamp.body and retries until the receiver takes it', async () => {
    const id = await openApproval();
    // The receiver answers 500 twice: the third attempt is the one that lands.
    const [first, , third] = await hook.waitFor(3);
    // Each attempt is the same delivery (fresh links each time: they are signed when sent).
    expect(first!.headers['x-aegis-delivery']).toBe(third!.headers['x-aegis-delivery']);
    const { body, headers } = third!;
    const timestamp = String(headers['x-aegis-timestamp']);
    const expected =
      'v1=' + createHmac('sha256', webhookSecret).update(`${timestamp}.${body}`).digest('hex');
    expect(headers['x-aegis-signature']).toBe(expected);
    // A receiver holding another secret would refuse it.
    expect(
      'v1=' + createHmac('sha256', 'whsec_wrong').update(`${timestamp}.${body}`).digest('hex'),
    ).not.toBe(expected);
    const payload = JSON.parse(body) as {
      type: string;
      approval: { id: number; args: Record<string, string>; rule: string };
      links: { approve: string };
    };
    expect(payload).toMatchObject({
      type: 'approval.opened',
      approval: {
        id,
        rule: 'wires-need-review',
        reason: 'Wires to ************1111 go to a person',
        auditId: expect.any(Number),
      },
    });
    expect(payload.approval.args.card).toBe('************1111');
    expect(payload.links.approve).toContain('/notify/decide?t=');

    // The delivery log (admins) shows the attempts and the outcome.
    let log = await admin.channels.deliveries.query({ channel: 'ops-hook', limit: 10 });
    for (let i = 0; i < 50 && log[0]?.status !== 'delivered'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      log = await admin.channels.deliveries.query({ channel: 'ops-hook', limit: 10 });
    }
    expect(log[0]).toMatchObject({ approvalId: id, status: 'delivered', attempts: 3 });
  });

  it("a link is confirmed from the signed-in reviewer's browser: the page's own form, with its CSRF field", async () => {
    const id = await openApproval();
    let link: string | undefined;
    for (let i = 0; i < 100 && !link; i++) {
      for (const r of hook.received) {
        const p = JSON.parse(r.body) as { approval: { id: number }; links: { approve: string } };
        if (p.approval.id === id) link = p.links.approve;
      }
      if (!link) await new Promise((r) => setTimeout(r, 100));
    }
    const reviewer = await admin.keys.create.mutate({ name: 'link-reviewer', role: 'reviewer' });
    const login = await fetch(`${server.url}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: reviewer.key }),
    });
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const { pathname, search } = new URL(link!);
    const page = await (
      await fetch(`${server.url}${pathname}${search}`, { headers: { cookie } })
    ).text();
    const field = (name: string) =>
      new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1]?.replaceAll('&amp;', '&');
    const submit = (form: Record<string, string>) =>
      fetch(`${server.url}/notify/decide`, {
        method: 'POST',
        headers: {
          cookie,
          origin: server.url,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams(form).toString(),
      });
    // The form without its CSRF field, or with another session's, decides nothing.
    expect((await submit({ t: field('t')! })).status).toBe(403);
    expect((await submit({ t: field('t')!, csrf: 'x'.repeat(43) })).status).toBe(403);
    expect((await admin.approvals.byId.query({ id })).status).toBe('PENDING');
    const confirmed = await submit({ t: field('t')!, csrf: field('csrf')! });
    expect(confirmed.status).toBe(200);
    expect(await admin.approvals.byId.query({ id })).toMatchObject({
      status: 'APPROVED',
      decidedBy: 'link-reviewer',
    });
  });

  it('keeps channel management and the delivery log to admins, and never lists secrets', async () => {
    const list = await admin.channels.list.query();
    expect(list.map((c) => c.name)).toEqual(['ops-hook', 'ops-slack']);
    expect(JSON.stringify(list)).not.toContain(webhookSecret);
    expect(JSON.stringify(list)).not.toContain('/hook');
    await expect(
      admin.channels.create.mutate({ name: 'ops-hook', kind: 'webhook', url: hook.url }),
    ).rejects.toMatchObject({
      data: { httpStatus: 409 },
    });
    await expect(
      admin.channels.create.mutate({ name: 'bad', kind: 'webhook', url: 'ftp://x' } as never),
    ).rejects.toMatchObject({
      data: { httpStatus: 400 },
    });
  });

  it('records who added and removed a channel (origin only: a webhook path can be a secret)', async () => {
    await admin.channels.create.mutate({
      name: 'tmp-hook',
      kind: 'webhook',
      url: `${hook.url}/T000/secret-path`,
      agents: ['PayBot'],
    });
    await admin.channels.remove.mutate({ name: 'tmp-hook' });
    await expect(admin.channels.remove.mutate({ name: 'tmp-hook' })).rejects.toMatchObject({
      data: { httpStatus: 404 },
    });
    const { entries } = await admin.audit.list.query({ limit: 100 });
    const noted = entries.filter((e) => e.action.startsWith('aegis:channel-'));
    const origin = new URL(hook.url).origin;
    // Newest first: the removal, then the three additions (this one and beforeAll's two).
    expect(noted.map((e) => e.action)).toEqual([
      'aegis:channel-remove',
      'aegis:channel-add',
      'aegis:channel-add',
      'aegis:channel-add',
    ]);
    expect(noted[1]).toMatchObject({ status: 'ACCESS', source: 'person', agent: '' });
    expect(noted[1]!.details).toContain(`"tmp-hook" → ${origin}, following PayBot`);
    expect(JSON.stringify(noted)).not.toContain('secret-path');
    expect(noted[0]!.details).toContain('removed the channel "tmp-hook"');
    expect(noted[0]!.actor).toBe(noted[1]!.actor);
  });
});

describe('Slack-compatible messages and interactive callbacks', () => {
  it('posts blocks with the call, masked arguments, rule and buttons; a signed click decides once', async () => {
    const before = slack.received.length;
    const id = await openApproval();
    const [message] = (await slack.waitFor(before + 1)).slice(before);
    const { text, blocks } = JSON.parse(message!.body) as {
      text: string;
      blocks: Array<{ type: string; elements?: Array<{ action_id: string; value?: string }> }>;
    };
    expect(text).toContain(`PayBot wants to run wire (approval #${id})`);
    expect(message!.body).toContain('wires-need-review');
    expect(message!.body).toContain('*Why it is held*\\nWires to ************1111 go to a person');
    expect(message!.body).toContain('************1111');
    expect(message!.body).not.toContain('4111 1111 1111 1111');
    const approve = blocks
      .find((b) => b.type === 'actions')!
      .elements!.find((e) => e.action_id === 'aegis_approve')!.value!;

    // A forged or stale request changes nothing.
    expect((await slackClick(approve, 'mallory', { secret: 'not-the-secret' })).status).toBe(401);
    expect(
      (await slackClick(approve, 'mallory', { timestamp: Math.floor(Date.now() / 1000) - 3600 }))
        .status,
    ).toBe(401);
    expect((await admin.approvals.byId.query({ id })).status).toBe('PENDING');

    // Five people click at once: one decision, one audit entry.
    const answers = await Promise.all(
      ['ann', 'bob', 'cy', 'dee', 'eve'].map(
        async (u) => (await slackClick(approve, u)).json() as Promise<{ text: string }>,
      ),
    );
    expect(answers.filter((a) => a.text.startsWith('Approved by')).length).toBe(1);
    const decided = await admin.approvals.byId.query({ id });
    expect(decided).toMatchObject({ status: 'APPROVED', decidedVia: 'slack:ops-slack' });
    expect(decided.decidedBy).toMatch(/^slack:U-(ann|bob|cy|dee|eve)$/);
    const log = await admin.audit.list.query({ agent: 'PayBot', status: ['APPROVED'], limit: 50 });
    expect(log.entries.filter((e) => e.approvalId === id)).toHaveLength(1);
    expect(log.entries.find((e) => e.approvalId === id)!.details).toContain('via slack:ops-slack');

    // The same person clicking again is a replay, under another display name too.
    const clicker = decided.decidedBy!.slice('slack:U-'.length);
    for (const name of [clicker, `${clicker}.renamed`]) {
      const again = (await (await slackClick(approve, name, { id: clicker })).json()) as {
        text: string;
      };
      expect(again.text).toBe('This link was already used.');
    }
  });
});
