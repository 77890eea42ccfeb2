/* global process, setTimeout */
// Cost attacks through what a viewer may send: a draft policy tried against a call
// (policies.tryCall) whose condition multiplies work without a loop — chains of `+` over an
// argument as large as the 64 KiB limit allows — and the bounds that already held (condition
// length, AST nodes). Run against a server of its own: AEGIS_URL=http://127.0.0.1:8710.
import { client, keyOf, raw, result } from './common.mjs';

const admin = client().api;
await admin.sdk.registerAgent.mutate({ name: 'costly', allows: ['read'] });
const viewer = (await keyOf('viewer')).key;

async function attempt(what, cond, args) {
  const yaml = `kind: AgentPolicy\nagent: costly\nrules:\n  - id: heavy\n    actions: [read]\n    when: ${JSON.stringify(cond)}\n    effect: BLOCK\n`;
  const body = JSON.stringify({ agent: 'costly', action: 'read', args, yaml });
  const t0 = Date.now();
  // A health check sent while the trial runs: how long everyone else waits.
  const probe = (async () => {
    await new Promise((r) => setTimeout(r, 100));
    return (await raw('GET', '/trpc/health.check', { timeoutMs: 120000 })).ms;
  })();
  const r = await raw('POST', '/trpc/policies.tryCall', { key: viewer, body, timeoutMs: 120000 });
  const ms = Date.now() - t0;
  const stall = await probe;
  const held = r.status > 0 && r.status < 500 && ms < 3000 && stall < 2000;
  result(
    `${what}: bounded`,
    held,
    `${r.status} in ${ms} ms (${cond.length}-character condition); a health check meanwhile waited ${stall} ms; ${r.text.slice(0, 160).replace(/\s+/g, ' ')}`,
  );
}

const L = Array.from({ length: 30_000 }, () => 1);
const chain = (term, n) => Array.from({ length: n }, () => term).join(' + ');
await attempt('list concatenation, 30 terms over a 30k list', `size(${chain('args.l', 30)}) == 0`, { l: L });
await attempt('list concatenation, 60 terms over a 30k list', `size(${chain('args.l', 60)}) == 0`, { l: L });
await attempt('list concatenation, 130 terms over a 30k list', `size(${chain('args.l', 130)}) == 0`, { l: L });
await attempt('concatenation nested the other way', `size(args.l + (args.l + (args.l + (args.l + (args.l + args.l))))) == 0`, { l: L });
await attempt('string concatenation then contains, 130 terms over 60 kB', `(${chain('args.s', 130)}).contains("zz")`, { s: 'a'.repeat(60_000) });
await attempt('list equality of concatenations', `${chain('args.l', 60)} == ${chain('args.l', 60)}`, { l: L });
await attempt('a 2,000-term chain (refused by length)', `size(${chain('args.l', 2000)}) > 0`, { l: [1] });
process.exit();
