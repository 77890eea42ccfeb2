/* global process, fetch, setTimeout, URL, URLSearchParams */
// Attack: Slack interactive callback (wrong secret, tampered body, stale/replayed timestamp,
// a button of another channel, one Slack user voting twice) and webhook links (no session, a
// viewer or an agent key in Authorization, after the channel is removed).
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { client, postLink, result, URL_ } from './common.mjs';

const received = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    try {
      received.push(JSON.parse(body));
    } catch {
      // not JSON: not a message we read
    }
    res.end('ok');
  });
}).listen(8304, '127.0.0.1');

const api = client().api;
const tag = Date.now().toString(36);
const agent = `SBot${tag}`;
const slack = `slack-${tag}`;
const hook = `hook-${tag}`;
const SECRET = 'slack-signing-secret-0123456789abcdef';
await api.channels.create.mutate({
  name: slack,
  kind: 'slack',
  url: 'http://127.0.0.1:8304/slack',
  signingSecret: SECRET,
});
await api.channels.create.mutate({
  name: hook,
  kind: 'webhook',
  url: 'http://127.0.0.1:8304/hook',
});
await api.sdk.registerAgent.mutate({ name: agent, allows: ['read'] });
await api.policies.applyRules.mutate({
  yaml: `
kind: AgentPolicy
agent: ${agent}
rules:
  - id: two
    actions: [wire]
    effect: REVIEW
    notify: [${slack}, ${hook}]
    approval:
      quorum: 2
  - id: one
    actions: [export]
    effect: REVIEW
    notify: [${slack}, ${hook}]
`,
});

const wait = async (pred) => {
  for (let i = 0; i < 100; i++) {
    const hit = received.find(pred);
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('no message');
};
let n = 0;
async function open(action) {
  const d = await api.sdk.decide.mutate({ agent, action, args: { n: ++n } });
  const slackMsg = await wait((m) => m.blocks && JSON.stringify(m).includes(`#${d.approvalId}`));
  const hookMsg = await wait((m) => m.approval?.id === d.approvalId);
  const values = JSON.stringify(slackMsg)
    .match(/"value":"([^"]+)"/g)
    .map((v) => v.slice(9, -1));
  return { id: d.approvalId, approveValue: values[0], denyValue: values[1], hook: hookMsg.links };
}

function slackPost(
  value,
  {
    user = 'U1',
    secret = SECRET,
    ts = Math.floor(Date.now() / 1000),
    tamper,
    channel = slack,
  } = {},
) {
  const payload = {
    type: 'block_actions',
    user: { id: user },
    actions: [{ action_id: 'aegis_approve', value }],
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const sig = 'v0=' + createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex');
  const sent = tamper ? body.replace('U1', 'U9') : body;
  return fetch(`${URL_}/notify/slack/${channel}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': sig,
    },
    body: sent,
  }).then(async (r) => ({ status: r.status, body: await r.text() }));
}

{
  const a = await open('wire');
  const wrong = await slackPost(a.approveValue, { secret: 'nope' });
  result('slack: wrong secret refused', wrong.status === 401, `${wrong.status}`);
  const tampered = await slackPost(a.approveValue, { tamper: true });
  result('slack: tampered body refused', tampered.status === 401, `${tampered.status}`);
  const stale = await slackPost(a.approveValue, { ts: Math.floor(Date.now() / 1000) - 301 });
  result('slack: stale timestamp refused', stale.status === 401, `${stale.status}`);
  const ok = await slackPost(a.approveValue, { user: 'U1' });
  const again = await slackPost(a.approveValue, { user: 'U1' });
  const st = await api.approvals.byId.query({ id: a.id });
  result(
    'slack: one user votes once for a quorum',
    st.status === 'PENDING',
    `${ok.body} | ${again.body} | ${st.status}`,
  );
  // the webhook link (no recipient) with no session, a viewer key, an agent key
  const viewer = (await api.keys.create.mutate({ name: `viewer-${tag}`, role: 'viewer' })).key;
  const agentKey = (
    await api.keys.create.mutate({ name: `ak-${tag}`, role: 'agent', agents: [agent] })
  ).key;
  const none = await postLink(a.hook.approve);
  const asViewer = await postLink(a.hook.approve, { authorization: `Bearer ${viewer}` });
  const asAgent = await postLink(a.hook.approve, { authorization: `Bearer ${agentKey}` });
  result(
    'webhook link: no session / viewer / agent key refused',
    [none.status, asViewer.status, asAgent.status].every((s) => s === 401),
    `${none.status} ${asViewer.status} ${asAgent.status}`,
  );
  // a webhook link posted to the slack callback (channel mismatch)
  const hookToken = new URL(a.hook.approve).searchParams.get('t');
  const cross = await slackPost(hookToken, { user: 'U2' });
  result(
    'slack: a webhook channel token via slack callback refused',
    cross.body.includes('another channel'),
    cross.body,
  );
}
{
  // channel removed: its links die
  const b = await open('export');
  await api.channels.remove.mutate({ name: slack });
  await api.channels.create.mutate({
    name: slack,
    kind: 'slack',
    url: 'http://127.0.0.1:8304/slack',
    signingSecret: SECRET,
  });
  const r = await slackPost(b.approveValue, { user: 'U3' });
  const st = await api.approvals.byId.query({ id: b.id });
  result(
    'slack: button of a removed channel (re-made under the same name) refused',
    st.status === 'PENDING',
    `${r.body} | ${st.status}`,
  );
}
receiver.close();
process.exit(0);
