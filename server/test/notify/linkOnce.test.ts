import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mongoose, { type Query } from 'mongoose';
import { startEmbeddedMongo, type EmbeddedMongo } from 'embedded-mongo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server';
import { createContextInner } from '../../src/trpc/context';
import { createCallerFactory } from '../../src/trpc/init';
import { appRouter } from '../../src/routers/_app';
import { principals, testServerConfig } from '../helpers/testServer';
import { startSmtp } from './smtp';

process.env.AEGIS_NOTIFY_TICK_MS = '100';
process.env.AEGIS_NOTIFY_RETRY_MS = '100';

// A transient database failure, for real: the next `failures` updates that would vote on or
// decide an approval (or only decide it, `votesToo: false`) are refused by a mongoose hook before
// they reach the store, as a dropped connection would refuse them. Installed before the servers
// compile their models.
let failures = 0;
let votesToo = true;
mongoose.plugin((schema) => {
  schema.pre('findOneAndUpdate', function failWhileTheStoreIsDown(this: Query<unknown, unknown>) {
    const update = this.getUpdate() as { $set?: { status?: string }; $push?: { votes?: unknown } };
    const decides = update.$set?.status === 'APPROVED' || update.$set?.status === 'DENIED';
    const votes = votesToo && update.$push?.votes !== undefined;
    if (failures > 0 && this.model.modelName === 'Approval' && (decides || votes)) {
      failures--;
      throw new Error('connection to the store lost (test)');
    }
  });
});

const POLICY = `
kind: AgentPolicy
agent: LinkBot
rules:
  - id: one-person
    actions: [export]
    effect: REVIEW
    notify: [reviewers]
  - id: two-people
    actions: [wire]
    effect: REVIEW
    notify: [reviewers]
    approval:
      quorum: 2
`;

// Two servers on one store, as `npm start -- --workers 2` runs them.
let store: EmbeddedMongo;
let dataDir: string;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
const servers: RunningServer[] = [];
const createCaller = createCallerFactory(appRouter);
const admin = () =>
  createCaller(
    createContextInner({
      principal: principals.admin,
      services: servers[0]!.services,
      auth: servers[0]!.auth,
      requestId: 't',
    }),
  );

beforeAll(async () => {
  smtp = await startSmtp();
  store = await startEmbeddedMongo();
  dataDir = await mkdtemp(path.join(tmpdir(), 'aegis-links-'));
  process.env.AEGIS_SMTP_URL = smtp.url;
  try {
    for (let i = 0; i < 2; i++) {
      servers.push(
        await startServer({
          ...testServerConfig({ dataDir }),
          mongoUri: store.uri,
          secret: 'one-binding-secret-for-both',
        }),
      );
    }
  } finally {
    delete process.env.AEGIS_SMTP_URL;
  }
  await admin().channels.create({
    name: 'reviewers',
    kind: 'email',
    to: ['rita@example.com', 'sam@example.com'],
  });
  await admin().sdk.registerAgent({ name: 'LinkBot', allows: ['read'] });
  await admin().policies.applyRules({ yaml: POLICY });
}, 60_000);
afterAll(async () => {
  for (const server of servers) await server.stop();
  await store?.close();
  await smtp?.close();
  await rm(dataDir, { recursive: true, force: true });
});

let n = 0;
/** Opens an approval for `action`: its id, and the tokens of Rita's and Sam's Approve links. */
async function openApproval(action: 'export' | 'wire') {
  const before = smtp.mails.length;
  const d = await admin().sdk.decide({ agent: 'LinkBot', action, args: { n: ++n } });
  const mails = (await smtp.waitFor(before + 2)).slice(before);
  const tokenFor = (to: string) => {
    const mail = mails.find((m) => m.to && !Array.isArray(m.to) && m.to.text === to)!;
    const link = /Approve: (\S+)/.exec(mail.text!)![1]!;
    return new URL(link).searchParams.get('t')!;
  };
  return {
    id: d.approvalId!,
    token: tokenFor('rita@example.com'),
    sam: tokenFor('sam@example.com'),
  };
}

/** Confirms the link on one of the servers, as the confirmation page's form does. */
async function confirm(token: string, server = servers[0]!) {
  const res = await fetch(`${server.url}/notify/decide`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ t: token }).toString(),
  });
  return { status: res.status, text: await res.text() };
}

const approvedEntries = async (id: number) =>
  (await admin().audit.list({ agent: 'LinkBot', status: ['APPROVED'], limit: 100 })).entries.filter(
    (e) => e.approvalId === id,
  );

describe('an approval link is used by the decision it makes, once', () => {
  it('a decision that failed on a database error leaves the link usable; it then decides once', async () => {
    const { id, token } = await openApproval('export');
    failures = 1;
    const failed = await confirm(token);
    expect(failed.status).toBe(500);
    expect((await admin().approvals.byId({ id })).status).toBe('PENDING');

    const again = await confirm(token, servers[1]);
    expect(again.status).toBe(200);
    expect(again.text).toContain('Approved by rita@example.com');
    expect(await approvedEntries(id)).toHaveLength(1);

    const replay = await confirm(token);
    expect(replay.status).toBe(409);
    expect(replay.text).toContain('This link was already used.');
  });

  it('a quorum vote that failed on a database error can be cast again with the same link', async () => {
    const { id, token } = await openApproval('wire');
    failures = 1;
    expect((await confirm(token)).status).toBe(500);
    expect((await admin().approvals.byId({ id })).votes ?? []).toHaveLength(0);

    const again = await confirm(token);
    expect(again.status).toBe(200);
    expect(again.text).toContain('Your approval is recorded (1 of 2)');
    const replay = await confirm(token, servers[1]);
    expect(replay.status).toBe(409);
    expect(replay.text).toContain('This link was already used.');
    expect(await admin().approvals.byId({ id })).toMatchObject({ status: 'PENDING' });
  });

  it('a vote that reached the quorum but whose decision failed decides when clicked again', async () => {
    const { id, token, sam } = await openApproval('wire');
    expect((await confirm(token)).status).toBe(200);
    failures = 1;
    votesToo = false;
    try {
      expect((await confirm(sam, servers[1])).status).toBe(500);
    } finally {
      votesToo = true;
    }
    expect(await admin().approvals.byId({ id })).toMatchObject({ status: 'PENDING' });

    const again = await confirm(sam);
    expect(again.status).toBe(200);
    expect(again.text).toContain('Approved by sam@example.com');
    expect(await approvedEntries(id)).toHaveLength(1);
    const replay = await confirm(sam, servers[1]);
    expect(replay.status).toBe(409);
    expect(replay.text).toContain('This link was already used.');
  });

  it.each(['export', 'wire'] as const)(
    'twelve clicks at once on one %s link, across two servers, count once',
    async (action) => {
      const { id, token } = await openApproval(action);
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) => confirm(token, servers[i % 2])),
      );
      expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
      const refused = answers.filter((a) => a.status !== 200);
      expect(refused.map((a) => a.status)).toEqual(Array(11).fill(409));
      for (const a of refused) expect(a.text).toContain('This link was already used.');

      const approval = await admin().approvals.byId({ id });
      if (action === 'export') {
        expect(approval.status).toBe('APPROVED');
        expect(await approvedEntries(id)).toHaveLength(1);
      } else {
        expect(approval.status).toBe('PENDING');
        expect(approval.votes).toHaveLength(1);
      }
    },
  );
});
