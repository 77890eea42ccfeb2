// Attack: DLP findings are capped (256) and the scan stops past 1 MiB of text or 64 levels; a
// rule reads the findings. Pad the arguments or the result with harmless findings (e-mail
// addresses), or nest/push the secret past the limits, and the card is never "found": does a
// BLOCK on dlp.found('card') still hold?
import { agentWithPolicy, CARD, client, result, tag } from './common.mjs';

const agent = `Pad${tag()}`;
const key = await agentWithPolicy(
  agent,
  `
kind: AgentPolicy
agent: ${agent}
default: ALLOW
rules:
  - { id: no-cards, actions: [send], when: "dlp.found('card')", effect: BLOCK }
  - { id: no-cards-out, on: result, actions: [lookup], when: "dlp.found('card')", effect: BLOCK }
`,
);
const aegis = client(key);
const me = aegis.api;

const emails = Array.from({ length: 300 }, (_, i) => `user${i}@example.com`);
const shapes = {
  plain: { to: 'x', body: `card ${CARD}` },
  'after 300 e-mail findings': { list: emails, body: `card ${CARD}` },
  'after 300 e-mails in one string': { body: `${emails.join(' ')} card ${CARD}` },
};
for (const [name, args] of Object.entries(shapes)) {
  const d = await me.sdk.decide.mutate({ agent, action: 'send', args });
  result(`args: a card ${name} is blocked`, d.verdict === 'BLOCKED', `${d.verdict}: ${d.reason}`);
}

// Results: the SDK scans the tool's result (aegis.call) and asks the server with its findings.
const results = {
  plain: () => ({ card: CARD }),
  'after 300 e-mail findings': () => ({ list: emails, card: CARD }),
  'past 1 MiB of text': () => ({ pad: 'x'.repeat(1100 * 1024), card: CARD }),
  'nested 80 levels deep': () => {
    let v = { card: CARD };
    for (let i = 0; i < 80; i++) v = { v };
    return v;
  },
};
for (const [name, make] of Object.entries(results)) {
  let got;
  try {
    got = await aegis.call(agent, 'lookup', { id: 1 }, async () => make());
  } catch (error) {
    got = { refused: error.code ?? error.message };
  }
  const leaked = JSON.stringify(got).includes(CARD);
  result(`result: a card ${name} is withheld`, !leaked, leaked ? 'the raw card reached the agent' : JSON.stringify(got).slice(0, 120));
}
