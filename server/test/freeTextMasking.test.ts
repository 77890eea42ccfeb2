/**
 * From an attack review: the seed SDK's REST report (`POST /api/sdk/log`, served by the fast path)
 * and registration stored an agent's own text raw — card numbers and SSNs a viewer read, and the
 * audit export carried. Over HTTP, as the seed Python SDK and an auditor's export see it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/testServer';
import { call, createKey } from './rest/restClient';

const CARD = '4111 1111 1111 1111';
const SSN = '536-22-8154';
const RAW = [CARD, CARD.replace(/ /g, ''), SSN];
const AGENT = 'rest-text-bot';

let server: TestServer;
let agentKey: string;
let viewerKey: string;
const post = (path: string, body: unknown) =>
  call(server.url, path, { method: 'POST', body, key: agentKey, basic: true });
const rawIn = (text: string) => RAW.filter((raw) => text.includes(raw));

beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
  [agentKey, viewerKey] = await Promise.all([
    createKey(server.url, server.adminKey, 'agent', [AGENT]),
    createKey(server.url, server.adminKey, 'viewer'),
  ]);
  const registered = await post('/sdk/register-agent', {
    name: AGENT,
    owner: 'ops',
    description: `serves ${CARD}`,
  });
  expect(registered.status).toBe(200);
});
afterAll(() => server?.close());

describe('REST reports and registration, and the audit export', () => {
  it('POST /sdk/log stores the details masked; a viewer and the export read no raw value', async () => {
    for (const details of [
      `seed log: card ${CARD} ssn ${SSN}`,
      CARD,
      `x${'y'.repeat(3970)} ${CARD}`,
    ]) {
      const res = await post('/sdk/log', {
        agent_name: AGENT,
        action: 'lookup',
        status: 'BLOCKED',
        details,
      });
      expect(res.status).toBe(200);
    }
    await server.settle();
    const list = await call(server.url, `/agents/${AGENT}/logs`, { key: viewerKey });
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).toContain('seed log: card ************1111 ssn ***-**-8154');
    expect(rawIn(JSON.stringify(list.body))).toEqual([]);
    for (const format of ['csv', 'json']) {
      const exported = await fetch(`${server.url}/export/audit?agent=${AGENT}&format=${format}`, {
        headers: { authorization: `Bearer ${viewerKey}` },
      });
      expect(exported.status).toBe(200);
      const text = await exported.text();
      expect(text).toContain('************1111');
      expect(rawIn(text)).toEqual([]);
    }
  });

  it("the agent's description from POST /sdk/register-agent", async () => {
    const agent = await server.services.agents.get(AGENT);
    expect(agent.description).toBe('serves ************1111');
  });

  it('details past the size cap are a 400 naming the field, never a 500', async () => {
    const res = await post('/sdk/log', {
      agent_name: AGENT,
      action: 'lookup',
      status: 'BLOCKED',
      details: `${CARD} `.repeat(300),
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/details/);
  });
});
