/* global console, setTimeout */
// What approval messages (webhook, Slack, e-mail) carry against what the audit log masks: a
// REVIEW rule whose reason fills in argument values (`{{ args.x }}`) — a card, an SSN, a token, a
// password under a sensitive key name — and the approval's detectors. Nothing raw may leave in a
// message that the audit entry masks. Needs the SMTP sink (attack9/smtpSink.mjs) on MAILS.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import process from 'node:process';
import { agentWithPolicy, client, result, tag, CARD, SSN } from './common.mjs';

const MAILS = process.env.MAILS ?? '/tmp/attack16/mails.jsonl';
const PORT = 41006;
const received = [];
const sink = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    received.push({ path: req.url, headers: req.headers, body });
    res.end('ok');
  });
}).listen(PORT, '127.0.0.1');
const api = client().api;
const t = tag();
const agent = `mv-${t}`;
await api.channels.create.mutate({ name: `h-${t}`, kind: 'webhook', url: `http://127.0.0.1:${PORT}/hook` });
await api.channels.create.mutate({ name: `s-${t}`, kind: 'slack', url: `http://127.0.0.1:${PORT}/slack` });
await api.channels.create.mutate({ name: `e-${t}`, kind: 'email', to: [`rev-${t}@example.test`] });
const GH = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
const PASSWORD = 'Tr0ub4dor&3-horse';
const key = await agentWithPolicy(
  agent,
  `kind: AgentPolicy
agent: ${agent}
default: ALLOW
rules:
  - id: hold
    actions: [wire]
    effect: REVIEW
    reason: "wire for card {{ args.card }} ssn {{ args.ssn }} tok {{ args.note }} pw {{ args.password }} to {{ args.to }}"
    notify: [h-${t}, s-${t}, e-${t}]
`,
);
const me = client(key).api;
const args = { card: CARD, ssn: SSN, note: GH, password: PASSWORD, to: `acct-${t}` };
const d = await me.sdk.decide.mutate({ agent, action: 'wire', args });
console.log(`NOTE decision: ${d.verdict} — ${d.reason}`);
for (let i = 0; i < 60 && received.length < 2; i++) await new Promise((r) => setTimeout(r, 500));
await new Promise((r) => setTimeout(r, 1500));
const entry = (await api.audit.list.query({ agent, limit: 5 })).entries.find((e) => e.callId === d.callId);
const stored = JSON.stringify(entry);
const raws = { card: CARD, ssn: SSN, github: GH, password: PASSWORD, cardDigits: CARD.replace(/ /g, '') };
const mails = readFileSync(MAILS, 'utf8').split('\n').filter((l) => l.includes(t)).join('\n');
const outlets = {
  'the decision answered to the agent': JSON.stringify(d),
  'the audit entry': stored,
  'the webhook message': received.filter((r) => r.path === '/hook').map((r) => r.body).join('\n'),
  'the Slack message': received.filter((r) => r.path === '/slack').map((r) => r.body).join('\n'),
  'the e-mail': mails,
};
for (const [where, text] of Object.entries(outlets)) {
  if (!text) {
    console.log(`NOTE ${where}: nothing received`);
    continue;
  }
  const leaked = Object.entries(raws).filter(([, v]) => text.includes(v)).map(([k]) => k);
  result(`${where} carries no raw card, SSN, token or password`, leaked.length === 0, leaked.length ? `raw: ${leaked.join(', ')}` : '');
}
sink.close();
