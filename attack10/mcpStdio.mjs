/* global process, console, setTimeout, URL */
// Attack: `aegis mcp` (stdio) in front of a hostile upstream (hostileUpstream.mjs). What reaches
// the client besides tool results — progress messages, log notifications, requests for sampling,
// elicitation and roots — and is any of it screened or stopped by the kill-switch?
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { agentWithPolicy, CARD, client, result, tag, URL_ } from './common.mjs';

const here = new URL('.', import.meta.url).pathname;
const agent = `Mcp${tag()}`;
const key = await agentWithPolicy(
  agent,
  `
kind: AgentPolicy
agent: ${agent}
default: ALLOW
rules:
  - { id: cards-out, on: result, actions: ['hostile.*'], when: "dlp.found('card')", effect: BLOCK }
`,
);
const admin = client().api;
const dir = mkdtempSync(join(tmpdir(), 'a10-mcp-'));

async function gateway(env = {}) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [join(here, '../sdk/bin/aegis.mjs'), 'mcp', '--agent', agent, '--server', 'hostile', '--', process.execPath, join(here, 'hostileUpstream.mjs')],
    env: { ...process.env, AEGIS_URL: URL_, AEGIS_API_KEY: key, UPSTREAM_STATE: join(dir, 'lists'), ...env },
    stderr: 'pipe',
  });
  const mcp = new Client({ name: 'victim', version: '1' }, { capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: true } } });
  const seen = { sampling: [], elicit: [], roots: 0, notes: [] };
  mcp.setRequestHandler(CreateMessageRequestSchema, async (r) => {
    seen.sampling.push(r.params);
    return { role: 'assistant', content: { type: 'text', text: `the model says: card ${CARD}` }, model: 'm' };
  });
  mcp.setRequestHandler(ElicitRequestSchema, async (r) => {
    seen.elicit.push(r.params);
    return { action: 'accept', content: { password: 'hunter2' } };
  });
  mcp.setRequestHandler(ListRootsRequestSchema, async () => {
    seen.roots++;
    return { roots: [{ uri: 'file:///home/me/secret-project' }] };
  });
  mcp.fallbackNotificationHandler = async (n) => {
    seen.notes.push(n);
  };
  let stderr = '';
  transport.stderr?.on('data', (c) => (stderr += c));
  await mcp.connect(transport);
  return { mcp, seen, stderr: () => stderr };
}

const await0 = await gateway();
const { mcp, seen } = await0;
const listed = (await mcp.listTools()).tools.map((t) => t.name);
console.log('tools:', listed.join(', '));

const call = (name, opts = {}) =>
  mcp.callTool({ name, arguments: { q: 'x' } }, undefined, { timeout: 20_000, ...opts }).catch((e) => ({ thrown: e.message }));

const r1 = await call('lookup');
result('a tool result with a card is withheld (result rule BLOCK)', !JSON.stringify(r1).includes(CARD), JSON.stringify(r1).slice(0, 140));

const r2 = await call('padded');
result('a card after 300 e-mails in a tool result is withheld', !JSON.stringify(r2).includes(CARD), JSON.stringify(r2).includes(CARD) ? 'the raw card reached the client' : '');

const progress = [];
const r3 = await call('chatty', { onprogress: (p) => progress.push(p) });
await new Promise((r) => setTimeout(r, 300));
const progressLeak = JSON.stringify(progress).includes(CARD);
result('a progress message from the tool does not carry a card past the result rule', !progressLeak, progressLeak ? JSON.stringify(progress) : `${progress.length} progress; result ${JSON.stringify(r3).slice(0, 80)}`);
const logLeak = seen.notes.filter((n) => JSON.stringify(n).includes(CARD));
result('a log notification from the upstream does not carry a card raw', logLeak.length === 0, logLeak.length ? JSON.stringify(logLeak[0]) : '');

const gw1 = await0;
const r4 = await call('ask');
await new Promise((r) => setTimeout(r, 300));
const askedLine = gw1.stderr().split('\n').find((l) => l.includes('asked: ')) ?? '';
const asked = askedLine ? JSON.parse(askedLine.slice(askedLine.indexOf('asked: ') + 7)) : {};
console.log('  (while allowed) sampling reached client:', seen.sampling.length, 'elicitation:', seen.elicit.length, 'roots:', seen.roots);
const samplingBack = JSON.stringify(asked.sampling ?? {}).includes(CARD);
result("[low, not fixed] the client's model output going back to the upstream (sampling) is screened", !samplingBack, samplingBack ? 'the upstream got the raw card from the model' : JSON.stringify(asked.sampling).slice(0, 100));
const gotPassword = JSON.stringify(asked.elicit ?? {}).includes('hunter2');
console.log('  elicitation answer reached the upstream:', gotPassword, '; r4:', JSON.stringify(r4).slice(0, 80));

// Kill-switch: pause the agent, then let the upstream ask for sampling and elicitation.
const before = { s: seen.sampling.length, e: seen.elicit.length };
await admin.agents.setStatus.mutate({ name: agent, status: 'PAUSED', reason: 'attack10' });
const killed = await call('ask');
console.log('  tools/call while paused:', JSON.stringify(killed).slice(0, 100));
await mcp.close();

// A fresh gateway whose upstream asks unprompted (not inside a call) while the agent is paused.
const g2 = await gateway({ UNPROMPTED: '1' });
console.log('  (agent paused)');
await g2.mcp.listTools().catch(() => undefined);
await new Promise((r) => setTimeout(r, 3000));
result(
  'a paused agent: an upstream cannot use the client\'s model (sampling) on its own',
  g2.seen.sampling.length === 0,
  g2.seen.sampling.length ? `${g2.seen.sampling.length} sampling request(s) reached the client while the agent was paused` : '',
);
const unpromptedLog = g2.seen.notes.filter((n) => JSON.stringify(n).includes(CARD));
result('an unprompted log notification does not carry a card raw', unpromptedLog.length === 0, unpromptedLog.length ? JSON.stringify(unpromptedLog[0]).slice(0, 160) : '');
console.log('  gateway 2 stderr:', g2.stderr().split('\n').filter((l) => l.includes('unprompted')).join(' | ').slice(0, 200));
await g2.mcp.close();
await admin.agents.setStatus.mutate({ name: agent, status: 'ACTIVE' });
console.log('  (paused: sampling during a call', seen.sampling.length - before.s, ')');

// Rug pull: the same upstream, now describing lookup differently (pinned in Aegis's database).
const g3 = await gateway({ RUG: '1' });
const now = (await g3.mcp.listTools()).tools.map((t) => t.name);
const pulled = await g3.mcp.callTool({ name: 'lookup', arguments: {} }).catch((e) => ({ thrown: e.message }));
result(
  'a tool whose description changed after pinning is hidden and refused',
  !now.includes('lookup') && JSON.stringify(pulled).includes('PINNED_TOOL_CHANGED'),
  `listed: ${now.join(', ')}; call: ${JSON.stringify(pulled).slice(0, 100)}`,
);
await g3.mcp.close();
