/* global process, console, fetch, AbortSignal */
// Shared bits of the attack scripts: the server under attack, its admin key, clients, helpers.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createAegis } from '../sdk/dist/index.js';

export const URL_ = process.env.AEGIS_URL ?? 'http://127.0.0.1:41000';
/** The review folder of the running script (attack15, attack16…): its data dir and policy notes. */
const REVIEW = path.basename(path.dirname(process.argv[1] ?? 'attack15/x'));
export const DATA = process.env.AEGIS_DATA_DIR ?? `/tmp/${REVIEW}/d`;
export const adminKey = readFileSync(`${DATA}/admin.key`, 'utf8').trim();
export const client = (apiKey = adminKey, more = {}) => createAegis({ url: URL_, apiKey, ...more });
export const tag = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

let failures = 0;
export function result(name, held, detail) {
  if (!held) failures++;
  console.log(`${held ? 'HELD  ' : 'BROKEN'}  ${name}${detail ? ` — ${detail}` : ''}`);
}
process.on('exit', (code) => {
  if (code === 0 && failures) process.exitCode = 1;
});

/** Registers an agent with a policy document and returns an agent key scoped to it. */
export async function agentWithPolicy(name, yaml, extra = {}) {
  const admin = client().api;
  await admin.sdk.registerAgent.mutate({ name, allows: [], ...extra });
  if (yaml) await admin.policies.applyRules.mutate({ yaml, message: REVIEW });
  const { key } = await admin.keys.create.mutate({ name: `k-${name}`, role: 'agent', agents: [name] });
  return key;
}

/** A key of a role (agent keys scoped to `agents`). */
export async function keyOf(role, agents = null) {
  const { key, info } = await client().api.keys.create.mutate({ name: `${role}-${tag()}`, role, agents });
  return { key, id: info.id };
}

/** One raw request with a bearer key (or none); never throws; `ms` is how long it took. */
export async function raw(method, path, { key, body, headers = {}, timeoutMs = 20000 } = {}) {
  const t0 = Date.now();
  const h = { ...headers };
  if (key) h.authorization = `Bearer ${key}`;
  if (body !== undefined && !h['content-type']) h['content-type'] = 'application/json';
  try {
    const res = await fetch(`${URL_}${path}`, {
      method,
      headers: h,
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    return { status: res.status, text, ms: Date.now() - t0, headers: res.headers };
  } catch (e) {
    return { status: 0, text: String(e), ms: Date.now() - t0 };
  }
}

export const CARD = '4111 1111 1111 1111';
export const SSN = '536-22-1120';
