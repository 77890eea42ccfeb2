/* global console, Buffer, URL */
// Attack: can one person fill a two-person quorum through e-mail links (same mailbox, two
// spellings / two channels)? Can a link be replayed, flipped, used for another approval, used by
// a viewer or an agent key, used after its channel is gone?
import { adminKey, client, mails, postLink, result, URL_, waitMails } from './common.mjs';

const aegis = client();
const api = aegis.api;
const tag = Date.now().toString(36);
const reviewers = `rev-${tag}`;
const oncall = `oncall-${tag}`;
const hook = `hook-${tag}`;
const agent = `QBot${tag}`;

await api.channels.create.mutate({
  name: reviewers,
  kind: 'email',
  to: ['rita@example.com', 'sam@example.com'],
});
await api.channels.create.mutate({ name: oncall, kind: 'email', to: ['Rita@Example.com'] });
await api.channels.create.mutate({
  name: hook,
  kind: 'webhook',
  url: 'http://127.0.0.1:8304/none',
});
await api.sdk.registerAgent.mutate({ name: agent, allows: ['read'] });
await api.policies.applyRules.mutate({
  yaml: `
kind: AgentPolicy
agent: ${agent}
rules:
  - id: two-person
    actions: [wire]
    effect: REVIEW
    notify: [${reviewers}, ${oncall}, ${hook}]
    approval:
      quorum: 2
  - id: one-person
    actions: [export]
    effect: REVIEW
    notify: [${reviewers}]
`,
});

let n = 0;
async function openWithMails(action, expected) {
  const before = mails().length;
  const d = await api.sdk.decide.mutate({ agent, action, args: { n: ++n } });
  const got = (await waitMails(before + expected)).slice(before);
  // by the recipient the link was signed for (claim r), as mail clients fold the address's case
  const link = (to, label) => {
    for (const m of got.filter((x) => x.subject.includes(`#${d.approvalId})`))) {
      const url = new RegExp(`${label}: (\\S+)`).exec(m.text)?.[1];
      const t = url && new URL(url).searchParams.get('t');
      const claims = t && JSON.parse(Buffer.from(t.split('.')[0], 'base64url').toString());
      if (claims && claims.r === to) return url;
    }
    return null;
  };
  return { id: d.approvalId, link };
}

// 1. One mailbox, two spellings on two channels: two votes?
{
  const { id, link } = await openWithMails('wire', 3);
  const a = await postLink(link('rita@example.com', 'Approve'));
  const b = await postLink(link('Rita@Example.com', 'Approve'));
  const after = await api.approvals.byId.query({ id });
  result(
    'quorum 2: rita@example.com + Rita@Example.com (one mailbox) are one vote',
    after.status === 'PENDING',
    `answers ${a.status}/${b.status}; status ${after.status}; votes ${after.votes?.map((v) => v.by).join(', ')}`,
  );
}

// 2. Link replay, flip, cross-approval
{
  const first = await openWithMails('export', 2);
  const second = await openWithMails('export', 2);
  const approve = first.link('sam@example.com', 'Approve');
  const deny = first.link('sam@example.com', 'Deny');
  // token of approval 1 against approval 2: forge claims a → signature breaks
  const t = new URL(approve).searchParams.get('t');
  const [body, sig] = t.split('.');
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
  const forged =
    Buffer.from(JSON.stringify({ ...claims, a: second.id })).toString('base64url') + '.' + sig;
  const fr = await postLink(`${URL_}/notify/decide?t=${forged}`);
  result('forged link for another approval refused', fr.status === 400, `status ${fr.status}`);
  const r1 = await postLink(approve);
  const r2 = await postLink(approve);
  result(
    'link replay refused',
    r1.status === 200 && r2.status === 409,
    `${r1.status} then ${r2.status}`,
  );
  const r3 = await postLink(deny);
  const s = await api.approvals.byId.query({ id: first.id });
  result(
    'deny link after approve does not flip',
    r3.status === 409 && s.status === 'APPROVED',
    `${r3.status}, ${s.status}`,
  );
  // webhook link (no recipient): viewer key / agent key via Authorization
  const viewer = (await api.keys.create.mutate({ name: `viewer-${tag}`, role: 'viewer' })).key;
  const agentKey = (
    await api.keys.create.mutate({ name: `agentkey-${tag}`, role: 'agent', agents: [agent] })
  ).key;
  const deliveries = await api.channels.deliveries
    .query({ name: hook })
    .catch((e) => ({ error: String(e) }));
  console.log('deliveries keys:', Object.keys(deliveries));
  void viewer;
  void agentKey;
  void adminKey;
}
await aegis.close?.();
