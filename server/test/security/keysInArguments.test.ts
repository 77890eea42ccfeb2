/**
 * Attack review 11: an Aegis API key an agent passes in its arguments, reports in a log line or
 * gets back in a result (a tool that reads its own configuration, an agent echoing its
 * environment) is masked like any other token. Before, DLP knew GitHub, AWS, Stripe… keys but not
 * Aegis's own: the agent's key reached every viewer raw — in the audit list, the live feed and
 * exports — and a viewer could then act as that agent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { createKey, rest, trpc, type Credential } from './harness';

let server: TestServer;
let agent: Credential;
let agentKey: string;
let viewer: Credential;
let feed = '';

beforeAll(async () => {
  server = await startTestServer();
  agentKey = (await createKey(server, 'bot', 'agent', ['keeper'])).key;
  agent = { kind: 'bearer', key: agentKey };
  viewer = { kind: 'bearer', key: (await createKey(server, 'vic', 'viewer')).key };
  await trpc(server.url, 'sdk.registerAgent', 'mutation', { name: 'keeper', allows: ['configure'], review: ['share'] }, agent);
  // The viewer is subscribed while the calls are made: the pushed events are read too.
  const event = await trpc(server.url, 'audit.onEntry', 'subscription', {}, viewer, async () => {
    const decided = await trpc(
      server.url,
      'sdk.decide',
      'mutation',
      { agent: 'keeper', action: 'configure', args: { note: `use key ${agentKey}`, apiKey: agentKey } },
      agent,
    );
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
  });
  feed = JSON.stringify(event.body);
  for (const [action, args] of [
    ['share', { with: 'ops', key: agentKey }],
    ['configure', { keys: [agentKey] }],
  ] as const) {
    const res = await trpc(server.url, 'sdk.decide', 'mutation', { agent: 'keeper', action, args }, agent);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
  const logged = await trpc(
    server.url,
    'sdk.log',
    'mutation',
    { agent: 'keeper', action: 'configure', status: 'ALLOWED', details: `configured with ${agentKey}` },
    agent,
  );
  expect(logged.status, JSON.stringify(logged.body)).toBe(200);
});
afterAll(() => server?.close());

describe('an Aegis key in what an agent sends', () => {
  it('is found by DLP and named as an aegis_key', async () => {
    const res = await trpc(server.url, 'audit.list', 'query', { agent: 'keeper' }, viewer);
    expect(res.status).toBe(200);
    const text = JSON.stringify(res.body);
    expect(text).toContain('[REDACTED:aegis_key]');
    expect(text).toContain('"detector":"aegis_key"');
  });

  it('never reaches a viewer raw: audit list, details, live feed, approvals, REST logs, exports', async () => {
    const seen: string[] = [feed];
    const list = await trpc(server.url, 'audit.list', 'query', { agent: 'keeper' }, viewer);
    seen.push(JSON.stringify(list.body));
    const entries = (list.body as { result: { data: { entries: Array<{ id: number }> } } }).result.data.entries;
    expect(entries.length).toBeGreaterThanOrEqual(4);
    for (const { id } of entries) seen.push(JSON.stringify((await trpc(server.url, 'audit.detail', 'query', { id }, viewer)).body));
    seen.push(JSON.stringify((await trpc(server.url, 'approvals.list', 'query', {}, viewer)).body));
    seen.push(JSON.stringify((await rest(server.url, 'GET', '/logs', undefined, viewer)).body));
    for (const format of ['csv', 'json']) {
      const res = await fetch(`${server.url}/export/audit?format=${format}`, {
        headers: { authorization: `Bearer ${viewer.kind === 'bearer' ? viewer.key : ''}` },
      });
      expect(res.status).toBe(200);
      seen.push(await res.text());
    }
    expect(feed).toContain('keeper');
    for (const text of seen) expect(text).not.toContain(agentKey);
  });
});
