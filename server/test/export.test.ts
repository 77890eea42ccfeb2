/**
 * Issue 17: GET /export/audit streams the Activity filter's entries as CSV or JSON, with the
 * Activity page's URL parameters; viewers and up only; bad filters are 400s naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/testServer';
import { trpcClient } from './helpers/trpcClient';
import { createKey } from './security/harness';
import { csvCell } from '../src/http/exportRoute';

let server: TestServer;
let viewerKey: string;
let agentKey: string;

const get = (query: string, key: string | null = viewerKey) =>
  fetch(`${server.url}/export/audit?${query}`, {
    headers: key ? { authorization: `Bearer ${key}` } : {},
  });

/** RFC 4180 rows (quoted cells may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (c === '"') quoted = !quoted;
    else if (!quoted && c === ',') {
      row.push(cell);
      cell = '';
    } else if (!quoted && c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
  const api = trpcClient(server.url, server.adminKey);
  await api.sdk.registerAgent.mutate({ name: 'exp-a', allows: ['read'], blocks: ['wire'] });
  await api.sdk.registerAgent.mutate({ name: 'exp-b', allows: ['read'] });
  for (let i = 0; i < 30; i++) {
    await api.sdk.decide.mutate({
      agent: 'exp-a',
      action: i % 3 ? 'read' : 'wire',
      args: { customer_id: i, memo: i === 4 ? '=HYPERLINK("x"), "quoted"' : 'ok' },
    });
  }
  await api.sdk.decide.mutate({ agent: 'exp-b', action: 'read', args: { customer_id: 99 } });
  viewerKey = (await createKey(server, 'exp-viewer', 'viewer')).key;
  agentKey = (await createKey(server, 'exp-agent', 'agent', ['exp-a'])).key;
});
afterAll(() => server?.close());

describe('GET /export/audit', () => {
  it('streams the filtered entries as CSV, newest first, quoting and defusing formulas', async () => {
    const res = await get('status=BLOCKED&agent=exp-a&format=csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(
      /attachment; filename="aegis-audit-.*\.csv"/,
    );
    const [header, ...rows] = parseCsv(await res.text());
    expect(header!.slice(0, 5)).toEqual(['id', 'timestamp', 'agent', 'action', 'status']);
    expect(rows).toHaveLength(10);
    expect(rows.every((r) => r[2] === 'exp-a' && r[3] === 'wire' && r[4] === 'BLOCKED')).toBe(true);
    const ids = rows.map((r) => Number(r[0]));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
  });

  it('answers JSON with the same filter names as the Activity page (search, several agents, time)', async () => {
    const res = await get('format=json&q=customer_id+99&agent=exp-a,exp-b');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const entries = (await res.json()) as Array<{ agent: string; argsPreview: string }>;
    expect(entries.map((e) => e.agent)).toEqual(['exp-b']);
    expect(entries[0]!.argsPreview).toContain('"customer_id":99');
    const memo = parseCsv(await (await get('q=hyperlink')).text());
    expect(memo).toHaveLength(2);
    expect(memo[1]![9]).toBe('{"customer_id":4,"memo":"=HYPERLINK(\\"x\\"), \\"quoted\\""}');
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect(await (await get(`format=json&from=${encodeURIComponent(future)}`)).json()).toEqual([]);
    expect(parseCsv(await (await get('range=1h&limit=5')).text())).toHaveLength(6);
  });

  it('defuses cells a spreadsheet would run as formulas', () => {
    expect(csvCell('=SUM(A1)')).toBe("'=SUM(A1)");
    expect(csvCell('@cmd')).toBe("'@cmd");
    expect(csvCell('a,"b"')).toBe('"a,""b"""');
    expect(csvCell(-3)).toBe('-3');
  });

  it('refuses without a key (401), an agent key (403) and a bad filter (400 naming the field)', async () => {
    expect((await get('format=csv', null)).status).toBe(401);
    expect((await get('format=csv', agentKey)).status).toBe(403);
    const bad = await get('status=NOPE');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { detail: string }).detail).toMatch(/status/);
    expect((await get('format=xml')).status).toBe(400);
    expect((await get('range=2y')).status).toBe(400);
    // A run id: at most 128 characters, and only ever compared as a string.
    const longRun = await get(`format=json&run=${'r'.repeat(129)}`);
    expect(longRun.status).toBe(400);
    expect(((await longRun.json()) as { detail: string }).detail).toMatch(/run/);
    const operatorLike = await get(`format=json&run=${encodeURIComponent('{"$ne":null}')}`);
    expect(operatorLike.status).toBe(200);
    expect(await operatorLike.json()).toEqual([]);
  });
});
