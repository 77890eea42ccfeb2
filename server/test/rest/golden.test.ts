import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { createKey } from './restClient';

/**
 * The seed's REST paths answer byte for byte as they did: a fixed request script runs against a
 * fresh server with the clock frozen (timestamps, hashes and expiries are then fixed; ids come
 * from fresh counters; random call and key ids are numbered by first appearance, `<random-1>`…), and every
 * status, content type and body is compared with the answers
 * recorded in golden/seedPaths.json. Refactoring must leave them identical; a deliberate change
 * re-records with `AEGIS_GOLDEN_UPDATE=1 npx vitest run server/test/rest/golden.test.ts` and shows
 * in the fixture's diff.
 */
const FIXTURE = new URL('./golden/seedPaths.json', import.meta.url);
const NOW = new Date('2026-01-02T03:04:05.000Z');

type Who = 'agent' | 'admin' | 'reviewer' | 'none';
type Step = [method: 'GET' | 'POST', path: string, who: Who, body?: unknown];

const A = 'Night Teller';
const a = encodeURIComponent(A);
const script: Step[] = [
  ['POST', '/sdk/init', 'agent'],
  ['POST', '/sdk/register-agent', 'agent', { name: A, owner: 'night-ops' }],
  ['POST', '/sdk/register-agent', 'agent', { name: 'someone else' }],
  ['POST', '/sdk/register-agent', 'agent', { owner: 'no name' }],
  [
    'POST',
    '/sdk/register-policy',
    'agent',
    { agent_name: A, action: 'lookup', rule_type: 'ALLOW' },
  ],
  ['POST', '/sdk/register-policy', 'agent', { agent_name: A, action: 'wipe', rule_type: 'BLOCK' }],
  [
    'POST',
    '/sdk/register-policy',
    'agent',
    { agent_name: A, action: 'transfer', rule_type: 'REVIEW' },
  ],
  ['POST', '/sdk/register-policy', 'agent', { agent_name: A, action: 'x', rule_type: 'MAYBE' }],
  ['GET', `/sdk/agent-status/${a}`, 'agent'],
  ['GET', '/sdk/agent-status/nobody', 'admin'],
  ['GET', `/sdk/policy/${a}/lookup`, 'agent'],
  ['GET', `/sdk/policy/${a}/transfer`, 'agent'],
  ['GET', `/sdk/policy/${a}/unknown`, 'agent'],
  ['GET', `/sdk/policies/${a}`, 'agent'],
  [
    'POST',
    '/sdk/log',
    'agent',
    { agent_name: A, action: 'lookup', status: 'ALLOWED', details: 'ok' },
  ],
  ['POST', '/sdk/log', 'agent', { agent_name: A, action: 'wipe', status: 'BLOCKED' }],
  ['POST', '/sdk/log', 'agent', { agent_name: A, action: 'wipe', status: 'NOPE' }],
  [
    'POST',
    '/sdk/approval',
    'agent',
    { agent_name: A, action: 'transfer', args_json: '{"amount":5}' },
  ],
  ['POST', '/sdk/approval', 'agent', { agent_name: A, action: 'transfer', args_json: 'not json' }],
  ['GET', '/sdk/approval-status/1', 'agent'],
  ['GET', '/sdk/approval-status/999', 'agent'],
  ['GET', `/sdk/find-approval/${a}/transfer`, 'agent'],
  ['GET', `/sdk/find-approval/${a}/lookup`, 'agent'],
  ['GET', '/sdk/pending-approvals', 'agent'],
  ['GET', '/approvals/pending', 'reviewer'],
  ['POST', '/sdk/decide-approval/1', 'agent', { decision: 'APPROVED' }],
  ['POST', '/sdk/decide-approval/1', 'reviewer', { decision: 'APPROVED' }],
  ['GET', '/sdk/approval-status/1', 'agent'],
  [
    'POST',
    '/sdk/approval',
    'agent',
    { agent_name: A, action: 'transfer', args_json: '{"amount":6}' },
  ],
  ['POST', '/approvals/2/decide', 'reviewer', { decision: 'MAYBE' }],
  ['POST', '/approvals/2/decide', 'reviewer', { decision: 'DENIED' }],
  ['POST', '/approvals/2/decide', 'reviewer', { decision: 'APPROVED' }],
  ['POST', '/approvals/999/decide', 'reviewer', { decision: 'APPROVED' }],
  ['GET', `/sdk/audit-log?agent_name=${a}&limit=10`, 'agent'],
  ['GET', '/sdk/audit-log?limit=nope', 'admin'],
  ['POST', '/sdk/update-status', 'reviewer', { name: A, status: 'PAUSED' }],
  ['POST', '/sdk/update-status', 'agent', { name: A, status: 'ACTIVE' }],
  ['GET', '/stats', 'admin'],
  ['GET', '/agents', 'admin'],
  ['GET', `/agents/${a}/logs`, 'admin'],
  ['GET', '/agents/nobody/logs', 'admin'],
  ['GET', `/agents/${a}/policies`, 'admin'],
  ['POST', `/agents/${a}/toggle`, 'reviewer', { status: 'SLEEPING' }],
  ['POST', `/agents/${a}/toggle`, 'reviewer', { status: 'ACTIVE' }],
  ['POST', '/agents/nobody/toggle', 'reviewer', { status: 'PAUSED' }],
  ['GET', '/logs', 'reviewer'],
  ['GET', '/stats', 'none'],
  ['POST', '/demo/seed', 'reviewer'],
  ['POST', '/demo/seed', 'admin'],
  ['GET', '/agents', 'admin'],
];

let server: TestServer;
const keys: Record<Exclude<Who, 'none'>, string> = { agent: '', admin: '', reviewer: '' };

beforeAll(async () => {
  // Only Date is frozen: timers run, so the server, its store and the driver work as usual.
  vi.useFakeTimers({ toFake: ['Date'], now: NOW });
  server = await startTestServer({ inMemoryStore: true });
  keys.admin = server.adminKey;
  keys.agent = await createKey(server.url, server.adminKey, 'agent', [A]);
  keys.reviewer = await createKey(server.url, server.adminKey, 'reviewer');
});

afterAll(async () => {
  await server?.close();
  vi.useRealTimers();
});

async function run(step: Step): Promise<string> {
  const [method, path, who, body] = step;
  const headers: Record<string, string> = {};
  if (who !== 'none')
    headers.authorization = `Basic ${Buffer.from(`x:${keys[who]}`).toString('base64')}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${server.url}/api${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return `${method} ${path} (${who}) → ${res.status} ${res.headers.get('content-type')}\n${await res.text()}`;
}

/** Random ids (call ids, key ids) → `<random-N>`, N by first appearance: equal ids stay equal. */
function numberRandomIds(answers: string[]): string[] {
  const seen = new Map<string, string>();
  const random =
    /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|key_[A-Za-z0-9_-]{12}/g;
  return answers.map((text) =>
    text.replace(random, (id) => {
      if (!seen.has(id)) seen.set(id, `<random-${seen.size + 1}>`);
      return seen.get(id) ?? id;
    }),
  );
}

describe("the seed's REST paths (golden answers)", () => {
  it('answer byte for byte as recorded', async () => {
    const raw: string[] = [];
    for (const step of script) raw.push(await run(step));
    const answers = numberRandomIds(raw);
    if (process.env.AEGIS_GOLDEN_UPDATE === '1') {
      await writeFile(FIXTURE, `${JSON.stringify(answers, null, 2)}\n`);
    }
    const recorded = JSON.parse(await readFile(FIXTURE, 'utf8')) as string[];
    expect(answers.length).toBe(recorded.length);
    for (const [i, answer] of answers.entries()) {
      expect(answer, `step ${i}; if the change is deliberate, re-record (see the top)`).toBe(
        recorded[i],
      );
    }
  });
});
