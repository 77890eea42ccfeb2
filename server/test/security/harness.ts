/**
 * HTTP helpers for the security tests: raw requests with each kind of credential (what a browser,
 * the seed's Python SDK or an attacker would send), principals of every role, and database
 * snapshots to prove a refused request changed nothing.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connection } from 'mongoose';
import { expect } from 'vitest';
import type { TestServer } from '../helpers/testServer';

export type Credential =
  | { kind: 'none' }
  | { kind: 'bearer'; key: string }
  | { kind: 'basic'; key: string }
  | { kind: 'cookie'; session: string; csrf: string };

export interface HttpResult {
  status: number;
  body: unknown;
  headers: Headers;
}

export function headersFor(cred: Credential): Record<string, string> {
  switch (cred.kind) {
    case 'none':
      return {};
    case 'bearer':
      return { authorization: `Bearer ${cred.key}` };
    case 'basic':
      return { authorization: `Basic ${Buffer.from(`agent:${cred.key}`).toString('base64')}` };
    case 'cookie':
      return {
        cookie: `aegis_session=${cred.session}; aegis_csrf=${cred.csrf}`,
        'x-aegis-csrf': cred.csrf,
      };
  }
}

async function answer(res: Response): Promise<HttpResult> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body, headers: res.headers };
}

export type ProcedureKind = 'query' | 'mutation' | 'subscription';

/**
 * One tRPC call over HTTP, unbatched. A subscription answers 200 and then either an error event
 * (its httpStatus is returned) or data: `trigger` runs once the stream is connected, to make the
 * event an allowed subscriber should receive.
 */
export async function trpc(
  url: string,
  path: string,
  kind: ProcedureKind,
  input: unknown,
  cred: Credential,
  trigger?: () => Promise<void>,
): Promise<HttpResult> {
  const headers = headersFor(cred);
  if (kind === 'mutation') {
    // Without input, send what tRPC's batching client sends: a batch of one with no input.
    const batch = input === undefined;
    const res = await fetch(`${url}/trpc/${path}${batch ? '?batch=1' : ''}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: batch ? '{}' : JSON.stringify(input),
    });
    const result = await answer(res);
    return batch && Array.isArray(result.body)
      ? { ...result, body: result.body[0] as unknown }
      : result;
  }
  const query = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  if (kind === 'query') return answer(await fetch(`${url}/trpc/${path}${query}`, { headers }));
  return subscribe(`${url}/trpc/${path}${query}`, headers, trigger);
}

async function subscribe(
  target: string,
  headers: Record<string, string>,
  trigger?: () => Promise<void>,
): Promise<HttpResult> {
  const abort = new AbortController();
  // Only a broken server gets here: a refusal or an event arrives right after connecting.
  const deadline = setTimeout(() => abort.abort(), 20_000);
  try {
    const res = await fetch(target, {
      headers: { ...headers, accept: 'text/event-stream' },
      signal: abort.signal,
    });
    if (!(res.headers.get('content-type') ?? '').includes('text/event-stream') || !res.body)
      return await answer(res);
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { status: 0, body: 'stream ended without an event', headers: res.headers };
      buffer += decoder.decode(value as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event === 'connected') {
          if (trigger) await trigger();
        } else if (event === 'serialized-error') {
          const error = JSON.parse(data ?? '{}') as { data?: { httpStatus?: number } };
          return { status: error.data?.httpStatus ?? 500, body: error, headers: res.headers };
        } else if (data !== undefined && event !== 'ping') {
          return { status: res.status, body: JSON.parse(data) as unknown, headers: res.headers };
        }
      }
    }
  } catch (error) {
    return { status: 0, body: String(error), headers: new Headers() };
  } finally {
    clearTimeout(deadline);
    abort.abort();
  }
}

/** One REST call under /api. */
export async function rest(
  url: string,
  method: string,
  path: string,
  body: unknown,
  cred: Credential,
): Promise<HttpResult> {
  const headers = headersFor(cred);
  const init: RequestInit = { method, headers };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { ...headers, 'content-type': 'application/json' };
  }
  return answer(await fetch(`${url}/api${path}`, init));
}

/** The tRPC error code of an answer (`FORBIDDEN`, …), if it is an error. */
/** A tRPC call's result data, after checking it answered 200 (the body is shown when not). */
export function data<T>(res: HttpResult): T {
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body as { result: { data: T } }).result.data;
}

export function trpcCode(result: HttpResult): string | undefined {
  const body = result.body as { error?: { data?: { code?: string } } } | null;
  return body?.error?.data?.code;
}

/**
 * Every document of every collection, in a stable order. `lastUsedAt` on keys and the beat of a
 * server's rollup watermark (its liveness, every 20 s) are bookkeeping that move while a refused
 * request is answered, so they are left out.
 */
export async function snapshot(connection: Connection): Promise<string> {
  const client = connection.getClient();
  const { databases } = await client.db('admin').admin().listDatabases({ nameOnly: true });
  const out: Record<string, unknown[]> = {};
  for (const { name: dbName } of databases.sort((a, b) => a.name.localeCompare(b.name))) {
    if (['admin', 'local', 'config'].includes(dbName)) continue;
    const db = client.db(dbName);
    const names = (await db.listCollections({}, { nameOnly: true }).toArray())
      .map((c) => c.name)
      .sort();
    for (const name of names) {
      const docs = await db.collection(name).find({}).sort({ _id: 1 }).toArray();
      out[`${dbName}.${name}`] = docs.map((doc) => {
        const copy: Record<string, unknown> = { ...doc };
        if (name === 'api_keys') delete copy.lastUsedAt;
        if (name === 'audit_rollups' && copy.k === 'wm') delete copy.beat;
        return copy;
      });
    }
  }
  return JSON.stringify(out);
}

/** Creates a key through the keys.create procedure, as the admin. */
export async function createKey(
  server: TestServer,
  name: string,
  role: string,
  agents: string[] | null = null,
): Promise<{ key: string; id: string }> {
  const res = await trpc(
    server.url,
    'keys.create',
    'mutation',
    { name, role, agents },
    { kind: 'bearer', key: server.adminKey },
  );
  if (res.status !== 200)
    throw new Error(`keys.create failed: ${res.status} ${JSON.stringify(res.body)}`);
  const data = (res.body as { result: { data: { key: string; info: { id: string } } } }).result
    .data;
  return { key: data.key, id: data.info.id };
}

/** Opens a dashboard session with the login exchange and returns its cookies. */
export async function loginSession(
  server: TestServer,
  key: string,
): Promise<{ session: string; csrf: string }> {
  const res = await fetch(`${server.url}/trpc/auth.login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const cookies = res.headers.getSetCookie();
  const value = (name: string) => {
    const line = cookies.find((c) => c.startsWith(`${name}=`)) ?? '';
    return decodeURIComponent(line.split(';')[0]?.slice(name.length + 1) ?? '');
  };
  return { session: value('aegis_session'), csrf: value('aegis_csrf') };
}

/** The real `aegis audit verify` binary (the SDK's CLI) against a server, with `extra` arguments. */
export function cliVerify(
  server: { url: string; adminKey: string },
  extra: string[] = [],
): Promise<{ code: number; output: string }> {
  const bin = path.resolve(
    path.dirname(fileURLToPath(import.meta.url)),
    '../../../sdk/bin/aegis.mjs',
  );
  const env = {
    ...process.env,
    AEGIS_URL: server.url,
    AEGIS_API_KEY: server.adminKey,
    NO_COLOR: '1',
  };
  return new Promise((resolve) => {
    const argv = [bin, 'audit', 'verify', ...extra];
    execFile(process.execPath, argv, { env }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr });
    });
  });
}
