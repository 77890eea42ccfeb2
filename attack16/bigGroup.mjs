/* global console, process */
// Many concurrent decisions with arguments near AEGIS_MAX_ARGS_BYTES (64 KiB): the audit writer
// commits up to 500 queued entries in one insert. Through the driver a batch is split by the
// store's 48 MB message limit; straight into the in-process store it is not — a group over
// 48 MB would fail as a whole, every caller in it (other agents' too) getting an error.
import { agentWithPolicy, raw, result, tag } from './common.mjs';

const N = Number(process.env.N ?? 900);
const agent = `bg-${tag()}`;
const key = await agentWithPolicy(agent, `kind: AgentPolicy\nagent: ${agent}\ndefault: ALLOW\nrules: []\n`);
// ~62 KiB of distinct words: big callArgs, big preview, many search terms.
const words = (i) => Array.from({ length: 5200 }, (_, j) => `w${i}x${j}`).join(' ').slice(0, 62_000);
const bodies = Array.from({ length: N }, (_, i) => JSON.stringify({ agent_name: agent, action: 'big', args: { text: words(i) } }));
const t0 = Date.now();
const answers = await Promise.all(bodies.map((body) => raw('POST', '/api/sdk/decide', { key, body, timeoutMs: 120_000 })));
const by = {};
for (const a of answers) by[a.status] = (by[a.status] ?? 0) + 1;
console.log(`NOTE ${N} decisions in ${Date.now() - t0} ms: ${JSON.stringify(by)}`);
const bad = answers.filter((a) => a.status >= 500 || a.status === 0);
result(`${N} concurrent decisions with ~62 KiB arguments: none answered 5xx`, bad.length === 0, bad.length ? `${bad.length}: ${bad[0].text.slice(0, 200)}` : '');
