import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/testServer';
import { trpcClient } from './helpers/trpcClient';

// Activity leaves dashboard sign-ins out by default and counts them (each visit makes one, and a
// team signing in filled its first screen): `signIns` reads the log without them, or only them,
// never dropping keys made or revoked (ACCESS entries too); the export reads it the same way.
let server: TestServer;
let admin: ReturnType<typeof trpcClient>;
beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
  admin = trpcClient(server.url, server.adminKey);
  await admin.sdk.registerAgent.mutate({ name: 'Quiet', allows: ['read'] });
  await admin.sdk.decide.mutate({ agent: 'Quiet', action: 'read', args: {} });
  const viewer = await admin.keys.create.mutate({ name: 'vi', role: 'viewer', agents: null });
  for (let i = 0; i < 3; i++) await trpcClient(server.url).auth.login.mutate({ key: viewer.key });
  await trpcClient(server.url, viewer.key).auth.logout.mutate();
});
afterAll(() => server.close());

const actions = (entries: readonly { action: string }[]) => entries.map((e) => e.action);

describe('audit.list with signIns', () => {
  it('excludes sign-ins and sign-outs only, keeps the key made; `only` reads just them', async () => {
    const all = await admin.audit.list.query({});
    expect(actions(all.entries)).toContain('aegis:login');
    expect(actions((await admin.audit.list.query({ signIns: 'include' })).entries)).toEqual(
      actions(all.entries),
    );
    const without = await admin.audit.list.query({ signIns: 'exclude' });
    expect(actions(without.entries)).toEqual(
      actions(all.entries).filter((a) => a !== 'aegis:login' && a !== 'aegis:logout'),
    );
    expect(actions(without.entries)).toEqual(expect.arrayContaining(['aegis:key-create', 'read']));
    const only = await admin.audit.list.query({ signIns: 'only' });
    expect(actions(only.entries).sort()).toEqual([
      'aegis:login',
      'aegis:login',
      'aegis:login',
      'aegis:logout',
    ]);
    // With other filters: a status of ACCESS and `exclude` leaves the key made.
    const access = await admin.audit.list.query({ status: ['ACCESS'], signIns: 'exclude' });
    expect(actions(access.entries)).toEqual(['aegis:key-create']);
  });

  it('is a 400 naming the field for a value it does not know; the export takes `signins`', async () => {
    await expect(admin.audit.list.query({ signIns: 'hide' as never })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST' },
    });
    const get = (q: string) =>
      fetch(`${server.url}/export/audit?format=json&${q}`, {
        headers: { authorization: `Bearer ${server.adminKey}` },
      });
    const bad = await get('signins=hide');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('signins');
    const exported = (await (await get('signins=exclude')).json()) as { action: string }[];
    expect(actions(exported)).not.toContain('aegis:login');
    expect(actions(exported)).toContain('aegis:key-create');
  });
});
