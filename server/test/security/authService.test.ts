import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Request, Response } from 'express';
import mongoose from 'mongoose';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedMongo, type EmbeddedMongo } from 'embedded-mongo';
import type { Principal } from '@aegis/shared';
import type { Services } from '../../src/services';
import { createAuthService, type AegisAuth } from '../../src/auth';

/** Just enough of an Express request for credential parsing. */
function fakeReq(headers: Record<string, string>, ip = '10.0.0.1'): Request {
  return { headers, ip, socket: { remoteAddress: ip } } as unknown as Request;
}

/** Collects Set-Cookie and other headers the service writes. */
function fakeRes() {
  const headers: Record<string, string[]> = {};
  const res = {
    headersSent: false,
    append(name: string, value: string) {
      (headers[name.toLowerCase()] ??= []).push(value);
      return res;
    },
    setHeader(name: string, value: string) {
      headers[name.toLowerCase()] = [value];
      return res;
    },
  };
  return { res: res as unknown as Response, headers };
}

function cookieFrom(setCookies: string[] | undefined, name: string): string {
  const line = (setCookies ?? []).find((c) => c.startsWith(name + '='));
  return decodeURIComponent(line?.split(';')[0]?.slice(name.length + 1) ?? '');
}

let mongo: EmbeddedMongo;
let connection: mongoose.Connection;
let dataDir: string;
let auth: AegisAuth;
let adminKey: string;
let admin: Principal;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'aegis-auth-'));
  mongo = await startEmbeddedMongo({ dir: ':memory:', port: 0 });
  connection = await mongoose.createConnection(mongo.uri, { dbName: 'aegis' }).asPromise();
  auth = await createAuthService({
    connection,
    dataDir,
    publicUrl: 'http://127.0.0.1:8000',
    logger: pino({ level: 'silent' }),
    services: {} as Services,
    loginPerMinute: 5,
  });
  await auth.bootstrap();
  adminKey = (await readFile(path.join(dataDir, 'admin.key'), 'utf8')).trim();
  admin = (await auth.resolvePrincipal(fakeReq({ authorization: `Bearer ${adminKey}` })))!;
});

afterAll(async () => {
  await connection?.close();
  await mongo?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('auth service', () => {
  it('creates an admin key once, in a 0600 file, and prints a fresh link on each start', async () => {
    expect(adminKey).toMatch(/^aegis_[A-Za-z0-9_-]{32}$/);
    expect((await stat(path.join(dataDir, 'admin.key'))).mode & 0o777).toBe(0o600);
    expect(admin.role).toBe('admin');
    const again = await auth.bootstrap();
    expect(again.adminKeyCreated).toBe(false);
    expect(again.loginUrl).toMatch(/^http:\/\/127\.0\.0\.1:8000\/login\?token=[A-Za-z0-9_-]{43}$/);
    expect(await readFile(path.join(dataDir, 'admin.key'), 'utf8')).toBe(adminKey + '\n');
  });

  it('creates one admin key when several servers start on a fresh database at once', async () => {
    const db = await mongoose.createConnection(mongo.uri, { dbName: 'fresh-race' }).asPromise();
    const dirs = await Promise.all([0, 1, 2].map(() => mkdtemp(path.join(tmpdir(), 'aegis-race-'))));
    try {
      const servers = await Promise.all(
        dirs.map((dir) =>
          createAuthService({
            connection: db,
            dataDir: dir,
            publicUrl: 'http://127.0.0.1:8000',
            logger: pino({ level: 'silent' }),
            services: {} as Services,
          }),
        ),
      );
      const started = await Promise.all(servers.map((s) => s.bootstrap()));
      expect(started.filter((r) => r.adminKeyCreated)).toHaveLength(1);
      const admins = await db.collection('api_keys').countDocuments({ role: 'admin' });
      expect(admins).toBe(1);
      // Every server still prints a working login link.
      for (const r of started) expect(r.loginUrl).toMatch(/\/login\?token=/);
    } finally {
      await db.close();
      await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
    }
  });

  it('stores only hashes of keys', async () => {
    const raw = await connection.collection('api_keys').find({}).toArray();
    expect(JSON.stringify(raw)).not.toContain(adminKey);
    expect(JSON.stringify(raw)).not.toContain(adminKey.slice(6));
  });

  it('accepts Bearer and Basic (key as password, or as the user name)', async () => {
    const { key } = await auth.createKey({ name: 'bot', role: 'agent', agents: ['alpha'] }, admin);
    const basic = Buffer.from(`agent:${key}`).toString('base64');
    const bare = Buffer.from(`${key}:`).toString('base64');
    for (const authorization of [`Bearer ${key}`, `Basic ${basic}`, `basic ${bare}`]) {
      const p = await auth.resolvePrincipal(fakeReq({ authorization }));
      expect(p).toMatchObject({ role: 'agent', agents: ['alpha'], name: 'bot' });
    }
    expect(await auth.resolvePrincipal(fakeReq({ authorization: 'Bearer aegis_nope' }))).toBeNull();
    expect(await auth.resolvePrincipal(fakeReq({ authorization: 'Token x' }))).toBeNull();
  });

  it('refuses malformed keys requests: agent keys need agents, people keys must not have them', async () => {
    await expect(auth.createKey({ name: 'x', role: 'agent', agents: null }, admin)).rejects.toThrow(
      /agents/,
    );
    await expect(
      auth.createKey({ name: 'x', role: 'viewer', agents: ['a'] }, admin),
    ).rejects.toThrow(/agents/);
  });

  it('revokes immediately and never the last admin key', async () => {
    const { key, info } = await auth.createKey(
      { name: 'temp', role: 'reviewer', agents: null },
      admin,
    );
    expect(await auth.resolvePrincipal(fakeReq({ authorization: `Bearer ${key}` }))).not.toBeNull();
    const revoked = await auth.revokeKey(info.id, admin);
    expect(revoked.revokedAt).not.toBeNull();
    expect(await auth.resolvePrincipal(fakeReq({ authorization: `Bearer ${key}` }))).toBeNull();
    await expect(auth.revokeKey(admin.keyId, admin)).rejects.toThrow(/last admin/);
    const listed = await auth.listKeys();
    expect(listed.find((k) => k.id === info.id)?.revokedAt).not.toBeNull();
  });

  it('exchanges a login token once for a session cookie with a CSRF cookie', async () => {
    const url = await auth.issueLoginLink();
    const token = new URL(url).searchParams.get('token')!;
    const { res, headers } = fakeRes();
    const who = await auth.login({ token }, fakeReq({}, '10.0.0.2'), res);
    expect(who.role).toBe('admin');
    const session = cookieFrom(headers['set-cookie'], 'aegis_session');
    expect(headers['set-cookie']?.[0]).toMatch(/HttpOnly/);
    expect(headers['set-cookie']?.[0]).toMatch(/SameSite=Strict/);
    expect(headers['set-cookie']?.[1]).not.toMatch(/HttpOnly/);
    const p = await auth.resolvePrincipal(
      fakeReq({ cookie: `aegis_session=${encodeURIComponent(session)}` }),
    );
    expect(p?.keyId).toBe(admin.keyId);
    await expect(auth.login({ token }, fakeReq({}, '10.0.0.2'), fakeRes().res)).rejects.toThrow(
      /already used/,
    );
    await auth.logout(fakeReq({ cookie: `aegis_session=${session}` }), fakeRes().res);
    expect(await auth.resolvePrincipal(fakeReq({ cookie: `aegis_session=${session}` }))).toBeNull();
  });

  it('refuses agent keys at the login exchange', async () => {
    const { key } = await auth.createKey({ name: 'bot2', role: 'agent', agents: ['beta'] }, admin);
    await expect(auth.login({ key }, fakeReq({}, '10.0.0.3'), fakeRes().res)).rejects.toThrow(
      /Agent keys/,
    );
  });

  it('limits failed login attempts per IP with 429 and Retry-After', async () => {
    const ip = '10.9.9.9';
    for (let i = 0; i < 5; i++) {
      await expect(
        auth.login({ key: 'aegis_wrong' }, fakeReq({}, ip), fakeRes().res),
      ).rejects.toThrow(/Invalid/);
    }
    const { res, headers } = fakeRes();
    await expect(auth.login({ key: adminKey }, fakeReq({}, ip), res)).rejects.toMatchObject({
      code: 'TOO_MANY_REQUESTS',
    });
    expect(Number(headers['retry-after']?.[0])).toBeGreaterThan(0);
    // Another address is unaffected.
    await expect(
      auth.login({ key: adminKey }, fakeReq({}, '10.9.9.8'), fakeRes().res),
    ).resolves.toMatchObject({ role: 'admin' });
  });

  it('verifies an empty audit log', async () => {
    await expect(auth.verifyAudit()).resolves.toMatchObject({
      ok: true,
      checked: 0,
      firstBad: null,
      outcomes: { records: 0, sealed: 0, sealPending: [], recovered: [] },
    });
  });
});
