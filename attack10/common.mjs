/* global process, console */
// Shared bits of the attack scripts: the server under attack, its admin key, clients, helpers.
import { readFileSync } from 'node:fs';
import { createAegis } from '../sdk/dist/index.js';

export const URL_ = process.env.AEGIS_URL ?? 'http://127.0.0.1:8600';
export const DATA = process.env.AEGIS_DATA_DIR ?? '/tmp/a10/d';
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
  if (yaml) await admin.policies.applyRules.mutate({ yaml, message: 'attack10' });
  const { key } = await admin.keys.create.mutate({ name: `k-${name}`, role: 'agent', agents: [name] });
  return key;
}

export const CARD = '4111 1111 1111 1111';
export const SSN = '536-22-1120';
