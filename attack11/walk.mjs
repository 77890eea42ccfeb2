/* global process, console, structuredClone, URLSearchParams */
// Every tRPC procedure (from the router, through zod's JSON Schema) and every REST operation (from
// the live server's /api/openapi.json), with a valid base input and then each field replaced by a
// hostile value, sent with an admin key (deepest code paths) and a lighter pass with every other
// role. HELD when nothing answered 5xx, hung (> 15 s) or dropped the connection, the fixture data
// is unchanged and a request without a key is still refused.
// Run: npx tsx attack11/schemas.mjs > /tmp/attack11/schemas.json && node attack11/walk.mjs
import { readFileSync } from 'node:fs';
import { client, keyOf, raw, result, tag } from './common.mjs';

const SCHEMAS = JSON.parse(readFileSync(process.env.SCHEMAS ?? '/tmp/attack11/schemas.json', 'utf8'));
const admin = client().api;
const T = 'target';
const HANG_MS = 15000;
const SKIP = new Set(['demo.seed', 'demo.reset', 'POST /demo/seed', 'auth.logout']);

// ---- fixture -------------------------------------------------------------------------------
await admin.sdk.registerAgent.mutate({ name: T, allows: ['read'], review: ['pay'] });
await admin.sdk.registerAgent.mutate({ name: 'fixture', allows: ['read'] });
for (let i = 0; i < 3; i++) await admin.sdk.decide.mutate({ agent: 'fixture', action: 'read', args: { i } });
const pend = await admin.sdk.decide.mutate({ agent: T, action: 'pay', args: { amount: 1 } });
const approvalId = pend.approvalId ?? 1;
const viewer = await keyOf('viewer');
const reviewer = await keyOf('reviewer');
const agentKey = await keyOf('agent', [T]);
const throwaway = await keyOf('viewer');

async function snapshot() {
  const fx = await admin.audit.list.query({ agent: 'fixture', limit: 50 });
  const keys = await admin.keys.list.query();
  const fixtureAgent = await admin.agents.byName.query({ name: 'fixture' });
  return JSON.stringify({
    fx: (fx.entries ?? fx.items ?? fx).map((e) => [e.id, e.status, e.action, e.hash ?? '']),
    keys: keys.map((k) => [k.id, k.role, k.revokedAt]),
    fixture: JSON.stringify(fixtureAgent).replace(/"(lastSeen|updatedAt|lastActivity)[^,]*,/g, ''),
  });
}
const before = await snapshot();

// ---- base inputs from JSON Schema ------------------------------------------------------------
const OVERRIDE = {
  id: approvalId,
  approval_id: approvalId,
  agent: T,
  agent_name: T,
  name: T,
  action: 'pay',
  callId: `call_${tag()}`,
  call_id: `call_${tag()}`,
  yaml: `kind: AgentPolicy\nagent: ${T}\nrules:\n  - id: reads\n    actions: [read]\n    effect: ALLOW\n  - id: pays\n    actions: [pay]\n    effect: REVIEW\n`,
};
function gen(s, key) {
  if (!s || typeof s !== 'object') return 'x';
  if (key && key in OVERRIDE && !s.enum && s.type !== 'array' && s.type !== 'object') {
    const v = OVERRIDE[key];
    if ((s.type === 'integer' || s.type === 'number') === (typeof v === 'number')) return v;
  }
  if (s.default !== undefined) return s.default;
  if (s.const !== undefined) return s.const;
  if (s.enum) return s.enum[0];
  const alt = s.anyOf ?? s.oneOf;
  if (alt) return gen(alt.find((a) => a.type !== 'null') ?? alt[0], key);
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'string':
      if (s.format === 'date-time') return new Date(Date.now() - 3600e3).toISOString();
      return 'abcdefgh12'.slice(0, Math.max(s.minLength ?? 1, Math.min(8, s.maxLength ?? 8)));
    case 'integer':
    case 'number':
      return Math.max(1, (s.minimum ?? 1) + (s.exclusiveMinimum !== undefined ? 1 : 0));
    case 'boolean':
      return false;
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, () => gen(s.items, key));
    case 'object': {
      const o = {};
      for (const [k, v] of Object.entries(s.properties ?? {})) {
        if ((s.required ?? []).includes(k) || k in OVERRIDE) o[k] = gen(v, k);
      }
      return o;
    }
    default:
      return {};
  }
}

// ---- hostile values: raw JSON text that replaces one field -----------------------------------
const deep = (n) => '['.repeat(n) + ']'.repeat(n);
const HOSTILE = [
  ['number', '12345'],
  ['true', 'true'],
  ['null', 'null'],
  ['array', '[]'],
  ['object', '{}'],
  ['string', '"abc"'],
  ['200k string', JSON.stringify('x'.repeat(200_000))],
  ['10k-deep nesting', deep(10_000)],
  ['__proto__', '{"__proto__":{"polluted":"yes","role":"admin","isAdmin":true}}'],
  ['constructor.prototype', '{"constructor":{"prototype":{"polluted":"yes"}}}'],
  ['1e400', '1e400'],
  ['-1e400', '-1e400'],
  ['-1', '-1'],
  ['0', '0'],
  ['-0', '-0'],
  ['0.5', '0.5'],
  ['1e21', '1e21'],
  ['2^53+1', '9007199254740993'],
  ['"NaN"', '"NaN"'],
  ['"Infinity"', '"Infinity"'],
  ['bad date', '"2026-13-45T99:00:00Z"'],
  ['year +275760', '"+275760-09-13T00:00:00.001Z"'],
  ['year 0', '"0000-01-01T00:00:00Z"'],
  ['unknown enum', '"ALLOWED2"'],
  ['RTL override', '"\\u202Etarget"'],
  ['NUL', '"tar\\u0000get"'],
  ['lone surrogate', '"\\ud800"'],
  ['full-width', '"ｔａｒｇｅｔ"'],
  ['regex', '".*(a+)+$"'],
  ['$gt', '{"$gt":""}'],
  ['$where', '{"$where":"sleep(5000)"}'],
  ['list of $ne', '[{"$ne":null}]'],
];
const SENT = '__HOSTILE_SLOT__';
function withSlot(base, path) {
  const copy = structuredClone(base ?? {});
  let o = copy;
  for (const k of path.slice(0, -1)) o = o[k];
  o[path.at(-1)] = SENT;
  return copy;
}
function fieldPaths(base, schema, prefix = []) {
  const out = [];
  if (!schema || typeof schema !== 'object') return out;
  const alt = schema.anyOf ?? schema.oneOf;
  const s = alt ? (alt.find((a) => a.type === 'object') ?? schema) : schema;
  for (const [k, v] of Object.entries(s.properties ?? {})) {
    out.push([...prefix, k]);
    if (v?.type === 'object' && base?.[k] && typeof base[k] === 'object' && prefix.length < 1)
      out.push(...fieldPaths(base[k], v, [...prefix, k]));
  }
  return out;
}

// ---- sending ---------------------------------------------------------------------------------
const bad = new Map(); // op → [detail]
const notes = [];
let sent = 0;
function judge(op, what, r) {
  sent++;
  const broken = r.status === 0 || r.status >= 500 || r.ms > HANG_MS;
  if (!broken) return r;
  const list = bad.get(op) ?? [];
  list.push(`${what}: ${r.status} in ${r.ms} ms ${r.text.slice(0, 160).replace(/\s+/g, ' ')}`);
  bad.set(op, list);
  return r;
}
function trpcSend(path, type, text, key) {
  if (type === 'query') {
    const q = text === undefined ? '' : `?input=${encodeURIComponent(text)}`;
    return raw('GET', `/trpc/${path}${q}`, { key, timeoutMs: HANG_MS + 5000 });
  }
  return raw('POST', `/trpc/${path}`, { key, body: text ?? '{}', timeoutMs: HANG_MS + 5000 });
}
async function pool(jobs, n = 4) {
  let i = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (i < jobs.length) await jobs[i++]();
    }),
  );
}

const jobs = [];
// tRPC
for (const [path, { type, input }] of Object.entries(SCHEMAS)) {
  if (type === 'subscription' || SKIP.has(path)) continue;
  let base = input ? gen(input) : undefined;
  if (path === 'keys.revoke') base = { id: throwaway.id };
  if (path === 'keys.create') base = { name: 'walk', role: 'viewer', agents: null };
  const baseText = base === undefined ? undefined : JSON.stringify(base);
  for (const [who, key] of [
    ['admin', client && (await import('./common.mjs')).adminKey],
    ['viewer', viewer.key],
    ['reviewer', reviewer.key],
    ['agent', agentKey.key],
    ['none', undefined],
  ]) {
    jobs.push(async () => {
      const r = judge(path, `${who} base`, await trpcSend(path, type, baseText, key));
      if (who === 'viewer' && type === 'mutation' && r.status < 300)
        notes.push(`viewer mutation answered ${r.status}: ${path}`);
    });
    const paths = fieldPaths(base, input);
    const values = who === 'admin' ? HOSTILE : HOSTILE.filter((_, i) => i % 4 === 0);
    for (const fp of paths.length ? paths : [null]) {
      for (const [hname, htext] of values) {
        jobs.push(async () => {
          const text = fp
            ? JSON.stringify(withSlot(base, fp)).replace(`"${SENT}"`, htext)
            : htext;
          judge(path, `${who} ${fp ? fp.join('.') : '(input)'}=${hname}`, await trpcSend(path, type, text, key));
        });
      }
    }
  }
}

// REST
const doc = JSON.parse((await raw('GET', '/api/openapi.json')).text);
const { adminKey } = await import('./common.mjs');
for (const [template, item] of Object.entries(doc.paths)) {
  for (const [method, op] of Object.entries(item)) {
    const opName = `${method.toUpperCase()} ${template}`;
    if (SKIP.has(opName)) continue;
    const params = (op.parameters ?? []).filter((p) => !p.$ref);
    const bodySchema = op.requestBody?.content?.['application/json']?.schema;
    const pathParams = params.filter((p) => p.in === 'path');
    const queryParams = params.filter((p) => p.in === 'query');
    const baseBody = bodySchema ? gen(bodySchema) : undefined;
    const baseQuery = Object.fromEntries(
      queryParams.filter((p) => p.required || p.name in OVERRIDE).map((p) => [p.name, gen(p.schema, p.name)]),
    );
    const fill = (hostileSeg) =>
      template.replace(/\{([^}]+)\}/g, (_m, n) =>
        hostileSeg !== undefined
          ? encodeURIComponent(hostileSeg)
          : String(gen(pathParams.find((p) => p.name === n)?.schema ?? {}, n)),
      );
    const send = (p, q, bodyText, key) => {
      const qs = new URLSearchParams(q).toString();
      return raw(method.toUpperCase(), `/api${p}${qs ? `?${qs}` : ''}`, {
        key,
        body: method === 'get' ? undefined : (bodyText ?? '{}'),
        timeoutMs: HANG_MS + 5000,
      });
    };
    for (const [who, key] of [
      ['admin', adminKey],
      ['viewer', viewer.key],
      ['reviewer', reviewer.key],
      ['agent', agentKey.key],
      ['none', undefined],
    ]) {
      const values = who === 'admin' ? HOSTILE : HOSTILE.filter((_, i) => i % 4 === 0);
      jobs.push(async () => {
        const r = judge(opName, `${who} base`, await send(fill(), baseQuery, JSON.stringify(baseBody), key));
        if (who === 'viewer' && method !== 'get' && r.status < 300) notes.push(`viewer ${opName} answered ${r.status}`);
      });
      for (const [hname, htext] of values) {
        if (pathParams.length)
          jobs.push(async () =>
            judge(opName, `${who} path=${hname}`, await send(fill(htext.replace(/^"|"$/g, '')), baseQuery, JSON.stringify(baseBody), key)),
          );
        for (const qp of queryParams)
          jobs.push(async () =>
            judge(
              opName,
              `${who} ?${qp.name}=${hname}`,
              await send(fill(), { ...baseQuery, [qp.name]: htext.replace(/^"|"$/g, '') }, JSON.stringify(baseBody), key),
            ),
          );
        if (bodySchema) {
          for (const fp of fieldPaths(baseBody, bodySchema)) {
            jobs.push(async () =>
              judge(
                opName,
                `${who} body.${fp.join('.')}=${hname}`,
                await send(fill(), baseQuery, JSON.stringify(withSlot(baseBody, fp)).replace(`"${SENT}"`, htext), key),
              ),
            );
          }
          jobs.push(async () => judge(opName, `${who} body=${hname}`, await send(fill(), baseQuery, htext, key)));
        }
      }
    }
  }
}

const t0 = Date.now();
await pool(jobs);
console.log(`# ${sent} requests in ${Math.round((Date.now() - t0) / 1000)} s`);
for (const [op, list] of bad) {
  result(`${op}: no 5xx, hang or dropped connection`, false, `${list.length}× e.g. ${list.slice(0, 3).join(' | ')}`);
}
if (!bad.size) result(`every procedure and REST operation: no 5xx, hang or dropped connection (${sent} requests)`, true);
// Keys valid admin calls created (keys.create with hostile names) may be added; none may change.
const [b, a] = [JSON.parse(before), JSON.parse(await snapshot())];
const keysBefore = new Map(b.keys.map((k) => [k[0], JSON.stringify(k)]));
const changedKeys = b.keys.filter((k) => k[0] !== throwaway.id && JSON.stringify(a.keys.find((x) => x[0] === k[0])) !== keysBefore.get(k[0]));
const same = JSON.stringify(a.fx) === JSON.stringify(b.fx) && a.fixture === b.fixture && changedKeys.length === 0;
result('fixture audit entries, agent and existing keys unchanged', same, same ? '' : JSON.stringify({ b, a, changedKeys }).slice(0, 600));
const anon = await raw('GET', '/trpc/keys.list');
result('a request without a key is still refused afterwards (no prototype pollution)', anon.status === 401, `${anon.status}`);
const who = await raw('GET', '/trpc/health.whoami', { key: viewer.key });
result('a viewer is still a viewer', !/admin|polluted/.test(who.text), who.text.slice(0, 200));
const ver = await admin.audit.verify.query();
result('audit verify still passes', ver.ok === true, JSON.stringify(ver).slice(0, 200));
for (const n of notes) console.log(`NOTE    ${n}`);
