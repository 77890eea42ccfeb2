// Run with node (see REPORT.md).
// What an agent's code declares about its tools reaches every viewer (manifests, CycloneDX, the
// compliance report). A LangChain tool's zod schema with `.default(process.env.TOKEN)` or
// `examples` carrying a card puts the secret in the declared JSON Schema: it must be masked like
// the description already is.
import { CARD, client, keyOf, raw, result, tag } from './common.mjs';

const admin = client().api;
const agent = `mani${tag()}`;
const GH = 'ghp_' + 'Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2';
await admin.sdk.registerAgent.mutate({ name: agent, allows: ['lookup'] });
const { key } = await keyOf('agent', [agent]);
const viewerKey = (await keyOf('viewer')).key;
const bot = client(key).api;
const r = await raw('POST', '/api/sdk/register-agent', {
  key,
  body: JSON.stringify({
    name: agent,
    allows: ['lookup'],
    tools: [
      {
        name: 'lookup',
        description: `Looks up a customer (card ${CARD})`,
        argsSchema: {
          type: 'object',
          properties: {
            apiToken: { type: 'string', default: GH },
            card: { type: 'string', examples: [CARD], description: `e.g. ${CARD}` },
            ssn: { type: 'string', enum: ['536-22-1120'] },
          },
        },
      },
    ],
  }),
});
result('the registration with tools is accepted', r.status === 200, `${r.status} ${r.text.slice(0, 200)}`);
void bot;
const cardRaw = (s) => s.includes(CARD) || s.includes(CARD.replaceAll(' ', ''));
for (const [what, path] of [
  ['the manifest (REST)', `/api/agents/${agent}/manifest`],
  ['the CycloneDX export', `/api/agents/${agent}/manifest/export?format=cyclonedx`],
  ['the JSON compliance report', `/export/report?format=json&agents=${agent}`],
  ['the Markdown compliance report', `/export/report?format=md&agents=${agent}`],
]) {
  const res = await raw('GET', path, { key: viewerKey });
  const leaks = [res.text.includes(GH) && 'GitHub token', cardRaw(res.text) && 'card', res.text.includes('536-22-1120') && 'SSN'].filter(Boolean);
  result(`${what}: a viewer sees no secret from a declared schema`, res.status === 200 && leaks.length === 0, `${res.status} ${leaks.join(', ')}`);
}
