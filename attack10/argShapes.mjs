/* global fetch */
// Attack: evade a rule by the shape of an argument. A rule that compares (`==`, `in`) sees a
// list, a map or another spelling as "not equal" — CEL's equality across types is false, not an
// error, so it does not fail closed — while the tool may read the value out of the list, or
// fold case and width. Rules that call a function on the value (`>`, `lowerAscii()`,
// `startsWith`) raise an error on the wrong shape and fail closed. Numbers: strings, huge
// values, Infinity through raw JSON, -0.
import { agentWithPolicy, client, result, tag, URL_ } from './common.mjs';

const agent = `Shape${tag()}`;
const key = await agentWithPolicy(
  agent,
  `
kind: AgentPolicy
agent: ${agent}
default: ALLOW
rules:
  - { id: evil-eq, actions: [mail], when: "args.to == 'evil@example.com'", effect: BLOCK }
  - { id: evil-fn, actions: [mail2], when: "args.to.lowerAscii() == 'evil@example.com'", effect: BLOCK }
  - { id: big, actions: [pay], when: "args.amount > 1000.0", effect: REVIEW }
  - { id: negative, actions: [refund], when: "args.amount < 0.0", effect: BLOCK }
`,
);
const me = client(key).api;
const decide = (action, args) => me.sdk.decide.mutate({ agent, action, args }).then((d) => d.verdict);

const eq = {
  'a list': ['evil@example.com'],
  'a map': { address: 'evil@example.com' },
  'upper case': 'EVIL@example.com',
  'full-width': 'ｅｖｉｌ@example.com',
};
for (const [name, to] of Object.entries(eq)) {
  const v = await decide('mail', { to });
  result(`[low, documented] args.to == '…' BLOCK with the address as ${name}`, v !== 'ALLOWED', v);
}
for (const [name, to] of Object.entries(eq)) {
  const v = await decide('mail2', { to });
  result(`args.to.lowerAscii() == '…' BLOCK with the address as ${name}`, v !== 'ALLOWED' || name === 'full-width', `${v}${name === 'full-width' ? ' (a different string: only a tool folding width would read it as evil)' : ''}`);
}
for (const [name, amount] of Object.entries({ 'a string': '5000', 'a list': [5000], 'a map': { value: 5000 }, '1e308': 1e308, 'an int': 5000 })) {
  const v = await decide('pay', { amount });
  result(`args.amount > 1000.0 with ${name}: not allowed unreviewed`, v !== 'ALLOWED', v);
}
// Raw JSON the SDK would never send: 1e400 (Infinity) and -0 through REST.
for (const [name, body] of Object.entries({ '1e400': '{"amount":1e400}', '-1e400': '{"amount":-1e400}', '-0': '{"amount":-0}' })) {
  const action = name.startsWith('-1') ? 'refund' : 'pay';
  const res = await fetch(`${URL_}/api/sdk/decide`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: `{"agent_name":"${agent}","action":"${action}","args":${body}}`,
  });
  const out = await res.json().catch(() => ({}));
  const ok = name === '-0' ? true : out.verdict !== 'ALLOWED';
  result(`raw JSON amount ${name} (${action}): ${name === '-0' ? 'decided' : 'not allowed unreviewed'}`, ok, `${res.status} ${out.verdict ?? JSON.stringify(out).slice(0, 80)}`);
}
