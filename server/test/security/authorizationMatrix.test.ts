/**
 * Done-means 1: every tRPC procedure and REST path × {admin, reviewer, viewer, agent key in
 * scope, agent key out of scope, no key, revoked key, expired session}. Allowed exactly where the
 * role matrix says; everything else 401/403 with the database unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../../src/routers/_app';
import { generateRestOpenApiDocument } from '../../src/rest';
import { type TestServer } from '../helpers/testServer';
import { startServerMailingTo, startSmtp } from '../notify/smtp';
import { createKey, loginSession, snapshot, trpc, type Credential } from './harness';
import { demoCases, restCases } from './matrixRestCases';
import {
  trpcCases,
  UNAUTHENTICATED,
  WHO,
  type Fixtures,
  type MatrixCase,
  type Who,
} from './matrixCases';

let server: TestServer;
let creds: Record<Who, Credential>;
let fx: Fixtures;

async function asAdmin(
  path: string,
  kind: 'query' | 'mutation',
  input?: unknown,
): Promise<unknown> {
  const res = await trpc(server.url, path, kind, input, { kind: 'bearer', key: server.adminKey });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { result: { data: unknown } }).result.data;
}

let smtp: Awaited<ReturnType<typeof startSmtp>>;

beforeAll(async () => {
  // E-mail channels need AEGIS_SMTP_URL (refused without it): a real SMTP server on loopback.
  smtp = await startSmtp();
  server = await startServerMailingTo(smtp);
  for (const name of ['alpha', 'beta']) {
    await asAdmin('sdk.registerAgent', 'mutation', {
      name,
      allows: ['read_balance'],
      blocks: ['wire_transfer'],
      review: ['refund'],
    });
  }
  const revoked = await createKey(server, 'revoked-admin', 'admin');
  await asAdmin('keys.revoke', 'mutation', { id: revoked.id });
  const expiring = await createKey(server, 'session-admin', 'admin');
  const session = await loginSession(server, expiring.key);
  // The session is real; make it older than its lifetime, directly in the store.
  await server.store.connection
    .collection('sessions')
    .updateMany({}, { $set: { expiresAt: new Date(Date.now() - 1000) } });
  creds = {
    admin: { kind: 'bearer', key: server.adminKey },
    reviewer: { kind: 'bearer', key: (await createKey(server, 'rita', 'reviewer')).key },
    viewer: { kind: 'basic', key: (await createKey(server, 'victor', 'viewer')).key },
    agentIn: {
      kind: 'bearer',
      key: (await createKey(server, 'alpha-bot', 'agent', ['alpha'])).key,
    },
    agentOut: { kind: 'basic', key: (await createKey(server, 'beta-bot', 'agent', ['beta'])).key },
    none: { kind: 'none' },
    revoked: { kind: 'bearer', key: revoked.key },
    expiredSession: { kind: 'cookie', ...session },
  };
  let n = 0;
  fx = {
    unique: () => ++n,
    async approval() {
      const d = (await asAdmin('sdk.decide', 'mutation', {
        agent: 'alpha',
        action: 'refund',
        args: { n: ++n },
      })) as { approvalId: number };
      return d.approvalId;
    },
    async auditId() {
      const d = (await asAdmin('sdk.decide', 'mutation', {
        agent: 'alpha',
        action: 'read_balance',
        args: {},
      })) as { auditId: number };
      return d.auditId;
    },
    async decidedPausedRun() {
      const d = (await asAdmin('sdk.decide', 'mutation', {
        agent: 'alpha',
        action: 'refund',
        args: { n: ++n },
        run: { threadId: `thread-${n}`, toolCallId: 'call-1' },
      })) as { approvalId: number };
      await asAdmin('approvals.decide', 'mutation', { id: d.approvalId, decision: 'APPROVED' });
      return d.approvalId;
    },
    async proposal() {
      await this.allowedCallId(); // alpha has made calls: a new ALLOW from its key is a proposal
      const bot = {
        keyId: 'alpha-bot',
        name: 'alpha-bot',
        role: 'agent' as const,
        agents: ['alpha'],
      };
      const declared = await server.services.agents.declareRule(
        'alpha',
        `grant_${++n}`,
        'ALLOW',
        bot,
      );
      if (!declared.proposal) throw new Error('the fixture made no proposal');
      return declared.proposal.id;
    },
    async allowedCallId() {
      const d = (await asAdmin('sdk.decide', 'mutation', {
        agent: 'alpha',
        action: 'read_balance',
        args: {},
      })) as { callId: string };
      return d.callId;
    },
    async anomaly() {
      const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
      const id = `spike:alpha:read:${hour.toISOString()}`;
      await server.store.connection.collection<{ _id: string }>('anomalies').updateOne(
        { _id: id },
        {
          $setOnInsert: {
            kind: 'spike',
            agent: 'alpha',
            action: 'read',
            hour,
            detectedAt: new Date(),
            score: 0.9,
            summary: 'alpha called read 40 times this hour; about 3 expected',
            evidence: { observed: 40, expected: 3, threshold: 12, historyHours: 24 },
          },
        },
        { upsert: true },
      );
      return id;
    },
    async heldPin() {
      const upstream = `up${++n}`;
      const list = (description: string) =>
        asAdmin('toolPins.check', 'mutation', {
          agent: 'alpha',
          upstream,
          tools: [{ name: 'echo', definition: { name: 'echo', description } }],
        });
      await list('pinned');
      await list('changed');
      const { pins } = (await asAdmin('toolPins.list', 'query', { upstream })) as {
        pins: Array<{ held: { hash: string } }>;
      };
      return { upstream, tool: 'echo', hash: pins[0]!.held.hash };
    },
    async throwawayKeyId() {
      return (await createKey(server, `throwaway-${++n}`, 'viewer')).id;
    },
    async setRule(action, rule) {
      await asAdmin('policies.set', 'mutation', { agent: 'alpha', action, rule });
    },
    async touchAgents() {
      for (const agent of ['alpha', 'beta']) {
        await asAdmin('sdk.log', 'mutation', {
          agent,
          action: 'read_balance',
          status: 'ALLOWED',
          details: 'event',
        });
        await asAdmin('policies.set', 'mutation', { agent, action: `touch_${++n}`, rule: 'BLOCK' });
      }
    },
    async reactivate() {
      await asAdmin('agents.setStatus', 'mutation', { name: 'alpha', status: 'ACTIVE' });
    },
    async channel() {
      const name = `mail-${++n}`;
      await asAdmin('channels.create', 'mutation', {
        name,
        kind: 'email',
        to: ['rita@example.com'],
      });
      return name;
    },
    async deliveriesSettled() {
      for (let i = 0; i < 100; i++) {
        const log = (await asAdmin('channels.deliveries', 'query', { limit: 50 })) as Array<{
          status: string;
        }>;
        if (log.every((d) => d.status === 'delivered' || d.status === 'failed')) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('deliveries did not settle');
    },
  };
});

afterAll(async () => {
  await server?.close();
  await smtp?.close();
});

async function check(c: MatrixCase): Promise<void> {
  const send = await c.prepare(fx);
  // Background writes an earlier case started (a governance evaluation, rollups) land first, and
  // any a refused call started land before the second snapshot, where they are caught.
  await server.settle();
  const before = await snapshot(server.store.connection);
  for (const who of WHO.filter((w) => !c.allowed.includes(w))) {
    const res = await send(creds[who], false);
    expect(res.status, `${c.name} as ${who}: ${JSON.stringify(res.body)}`).toBe(
      UNAUTHENTICATED.includes(who) ? 401 : (c.refusedAs?.[who] ?? 403),
    );
  }
  await server.settle();
  expect(
    await snapshot(server.store.connection),
    `${c.name}: refused calls changed the database`,
  ).toBe(before);
  for (const who of c.allowed) {
    const res = await (await c.prepare(fx))(creds[who], true);
    expect(res.status, `${c.name} as ${who}: ${JSON.stringify(res.body)}`).toBeGreaterThanOrEqual(
      200,
    );
    expect(res.status, `${c.name} as ${who}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
    await c.after?.(fx);
  }
}

describe('authorization matrix', () => {
  it('covers every tRPC procedure and every REST path', () => {
    const covered = new Set([...trpcCases(''), ...demoCases('')].map((c) => c.name));
    const procedures = Object.keys(appRouter._def.procedures).filter((p) => p !== 'auth.login');
    expect(procedures.filter((p) => !covered.has(`trpc ${p}`))).toEqual([]);

    const restNames = [...restCases(''), ...demoCases('')]
      .map((c) => c.name)
      .filter((n) => n.startsWith('REST '));
    const doc = generateRestOpenApiDocument('/');
    const missing: string[] = [];
    for (const [path, item] of Object.entries(doc.paths ?? {})) {
      for (const method of Object.keys(item ?? {}).filter((m) =>
        ['get', 'post', 'put', 'patch', 'delete'].includes(m),
      )) {
        const pattern = new RegExp(
          `^REST ${method.toUpperCase()} ${path.replace(/\{[^}]+\}/g, '[^/]+')}(\\?.*)?$`,
        );
        if (!restNames.some((n) => pattern.test(n)))
          missing.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(missing).toEqual([]);
  });

  describe('tRPC', () => {
    for (const c of trpcCases(''))
      it(c.name, () => check(trpcCases(server.url).find((x) => x.name === c.name)!));
  });

  describe('REST', () => {
    for (const c of restCases(''))
      it(c.name, () => check(restCases(server.url).find((x) => x.name === c.name)!));
  });

  describe('demo seed (resets the data, so last)', () => {
    for (const c of demoCases(''))
      it(c.name, () => check(demoCases(server.url).find((x) => x.name === c.name)!));
  });
});
