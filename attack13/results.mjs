// Attack: `on: result` rules (REDACT an SSN, BLOCK a secret) against what a tool returns, in strict
// and local mode: plain objects, a class instance (an ORM record), an object with toJSON, a
// result nested past the depth limit and one past the size limit, a circular one. Whatever the
// model would read (its JSON form) must not carry the raw SSN or secret.
import { createAegis } from '../sdk/dist/index.js';
import { URL_, agentWithPolicy, result, tag } from './common.mjs';

const SSN = '536-22-1120';
const SECRET = `ghp_${'aB3d'.repeat(9)}`;

class Customer {
  constructor(ssn) {
    this.name = 'Ann';
    this.ssn = ssn;
  }
}
const deep = (inner, n) => {
  let v = inner;
  for (let i = 0; i < n; i++) v = { v };
  return v;
};
const shapes = {
  'a plain object': () => ({ name: 'Ann', ssn: SSN }),
  'a class instance (an ORM record)': () => new Customer(SSN),
  'an object whose toJSON gives the record': () => ({ toJSON: () => ({ ssn: SSN }) }),
  'a list of class instances': () => [new Customer(SSN)],
  'a string': () => `customer ssn ${SSN}`,
  'nested 80 levels (held for review: nobody answers)': () => deep({ ssn: SSN }, 80),
  'past 1 MiB of text (held for review: nobody answers)': () => ({ pad: 'x'.repeat(1024 * 1024 + 10), ssn: SSN }),
  'a cycle through a class instance (held for review: nobody answers)': () => {
    const c = new Customer(SSN);
    c.self = c;
    return c;
  },
  'a null-prototype object': () => Object.assign(Object.create(null), { ssn: SSN }),
};

for (const mode of ['strict', 'local']) {
  const name = `res${mode}${tag()}`;
  const yaml = `kind: AgentPolicy
agent: ${name}
default: ALLOW
rules:
  - id: ssn-redact
    on: result
    actions: [lookup_customer]
    when: dlp.foundIn('result', 'ssn')
    effect: REDACT
  - id: secrets-never
    on: result
    actions: [read_config]
    when: dlp.found('secret')
    effect: BLOCK
`;
  const key = await agentWithPolicy(name, yaml);
  const aegis = createAegis({ url: URL_, apiKey: key, mode, spoolPath: `/tmp/attack13/spool-${name}.jsonl` });
  const agent = aegis.agent(name, {});
  for (const [what, make] of Object.entries(shapes)) {
    // A result the scan could not see whole is held for review (rules over dlp fail closed); the
    // short timeout lets nobody answer, so it is withheld.
    const lookup = agent.guard(async () => make(), { action: 'lookup_customer', timeoutMs: 1500 });
    let seen;
    try {
      const out = await lookup();
      seen = JSON.stringify(out) ?? String(out);
    } catch (e) {
      seen = `refused: ${String(e.message).slice(0, 120)}`;
    }
    result(`${mode}: REDACT ssn — ${what}: the model never reads the SSN`, !seen.includes(SSN), seen.slice(0, 140));
  }
  class Config {
    constructor() {
      this.token = SECRET;
    }
  }
  const read = agent.guard(async () => new Config(), { action: 'read_config' });
  let seen;
  try {
    seen = JSON.stringify(await read());
  } catch (e) {
    seen = `refused: ${String(e.message).slice(0, 120)}`;
  }
  result(`${mode}: BLOCK secret — a class instance holding a token is withheld`, !seen.includes(SECRET), seen.slice(0, 140));
  if (mode === 'local') {
    // Arguments the local scan could not see whole are refused before deciding.
    const send = agent.guard(async () => 'SENT', { action: 'send_notification' });
    for (const [what, args] of [
      ['nested 70 levels', deep({ body: '4111111111111111' }, 70)],
      ['past 1 MiB', { pad: 'x'.repeat(1024 * 1024 + 5), body: '4111111111111111' }],
    ]) {
      const r = await send(args).catch((e) => `refused: ${String(e.message).slice(0, 100)}`);
      result(`local: arguments ${what} with a card are not sent unscanned`, r !== 'SENT', r);
    }
  }
  await aegis.close?.();
}
