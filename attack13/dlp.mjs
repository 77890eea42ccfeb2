/* global Buffer, console */
// Attack: an agent under `dlp.found('card' | 'ssn' | 'iban' | 'secret')` → BLOCK tries to get the
// value out through its arguments anyway (sdk.decide, strict mode): Unicode look-alikes and
// invisible characters, other separators, a digit ahead of the number, keys, JSON in a string,
// deep nesting, huge lists, past the scan's size cap. Each spelling that a reader (or the tool)
// turns back into the number without a decoder must be BLOCKED; encodings (base64, hex, URL),
// a number split across fields or run into other digits are out of scope (README says so) and
// are only printed as `NOTE`.
import { agentWithPolicy, client, result, tag } from './common.mjs';

const name = `dlp${tag()}`;
const yaml = `kind: AgentPolicy
agent: ${name}
default: ALLOW
rules:
  - id: no-cards
    actions: [send_notification]
    when: dlp.found('card') || dlp.found('ssn') || dlp.found('iban') || dlp.found('secret')
    effect: BLOCK
    reason: sensitive data never leaves
`;
const me = client(await agentWithPolicy(name, yaml)).api;
const decide = (args) => me.sdk.decide.mutate({ agent: name, action: 'send_notification', args });

const card = '4111111111111111';
const g = (sep, c = card) => `${c.slice(0, 4)}${sep}${c.slice(4, 8)}${sep}${c.slice(8, 12)}${sep}${c.slice(12)}`;
const each = (sep, c = card) => c.split('').join(sep);
const deep = (inner, n) => {
  let v = inner;
  for (let i = 0; i < n; i++) v = { v };
  return v;
};

const mustBlock = {
  'plain card': { body: card },
  'spaced card': { body: g(' ') },
  'NBSP separators': { body: g('\u00a0') },
  'narrow NBSP / figure space / ideographic space': { body: g('\u202f').replace('1111\u202f1111', '1111\u20071111') + ' \u3000' },
  'en dash separators': { body: g('\u2013') },
  'zero-width space inside every digit': { body: each('\u200b') },
  'soft hyphen inside every digit': { body: each('\u00ad') },
  'word joiner + bidi controls': { body: each('\u2060\u202e') },
  'full-width digits': { body: '４１１１ １１１１ １１１１ １１１１' },
  'Arabic-Indic digits': { body: '٤١١١١١١١١١١١١١١١' },
  'Devanagari digits': { body: '४१११११११११११११११' },
  'mathematical bold digits': { body: '𝟒𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏' },
  'dots as separators': { body: g('.') },
  'slashes as separators': { body: g('/') },
  'underscores as separators': { body: g('_') },
  '" - " as separators': { body: g(' - ') },
  'two spaces as separators': { body: g('  ') },
  'digit by digit, spaced': { body: each(' ') },
  'a digit and a space ahead of the card': { body: `1 ${card}` },
  'a grouped number ahead and after': { body: `7 ${g(' ')} 2` },
  'card as an object key': { [card]: 'x' },
  'card as a nested key': { meta: { [g('-')]: true } },
  'card as a JSON number': { body: 4111111111111111 },
  'JSON object inside a string': { body: JSON.stringify({ n: card }) },
  'JSON inside JSON inside a string': { body: JSON.stringify({ s: JSON.stringify({ n: g(' ') }) }) },
  'card in an array element': { to: ['a', 'b', card] },
  'card 60 levels deep': deep({ body: card }, 60),
  'card past the depth limit (70 levels)': deep({ body: card }, 70),
  'card after 60,000 empty strings (within the 64 KiB body)': { pad: Array(20000).fill(''), body: card },
  'SSN dashed': { body: '536-22-1120' },
  'SSN dotted': { body: '536.22.1120' },
  'SSN slashed': { body: '536/22/1120' },
  'SSN full-width': { body: '５３６-２２-１１２０' },
  'SSN under an ssn key, bare': { ssn: '536221120' },
  'IBAN printed': { body: 'DE89 3704 0044 0532 0130 00' },
  'IBAN lower case': { body: 'de89370400440532013000' },
  'GitHub token with a zero-width space': { body: `ghp_\u200b${'aB3d'.repeat(9)}` },
  'AWS key id': { body: 'AKIAIOSFODNN7EXAMPLE' },
};
for (const [what, args] of Object.entries(mustBlock)) {
  let d;
  try {
    d = await decide(args);
  } catch (e) {
    // The server refusing the call outright (too deep, too big) also keeps the card in.
    result(`${what}: not sent`, true, `refused: ${String(e.message).slice(0, 100)}`);
    continue;
  }
  result(`${what}: not sent`, d.verdict === 'BLOCKED', `${d.verdict} (${d.reason})`);
}

const outOfScope = {
  'split over two fields': { a: '4111 1111', b: '1111 1111' },
  'split over array elements': { parts: ['4111', '1111', '1111', '1111'] },
  base64: { body: Buffer.from(card).toString('base64') },
  hex: { body: Buffer.from(card).toString('hex') },
  'URL-encoded': { body: encodeURIComponent(g(' ')) },
  'JSON \\u escapes': { body: '"\\u0034111111111111111"' },
  'letters as separators': { body: g('x') },
  'commas as separators': { body: g(',') },
  'digits spelled out': { body: 'four one one one one one one one one one one one one one one one' },
  'run into another digit': { body: `${card}0` },
};
for (const [what, args] of Object.entries(outOfScope)) {
  const d = await decide(args);
  console.log(`NOTE    ${what} (out of scope, README): ${d.verdict}`);
}

// The masked preview of a blocked call must not show the number either.
const viewer = await client().api.keys.create.mutate({ name: `viewer-${tag()}`, role: 'viewer' });
const vapi = client(viewer.key).api;
const recent = await vapi.audit.list.query({ agent: name, limit: 200 }).catch((e) => ({ error: String(e) }));
// The calls sent in the clear on purpose (out of scope above) are left out.
const rows = JSON.stringify((recent.items ?? recent.entries ?? recent).filter?.((e) => e.verdict === 'BLOCKED') ?? recent);
const leaks = ['4111111111111111', '4111 1111 1111 1111', '536-22-1120', '536.22.1120', 'DE89370400440532013000'].filter((s) => rows.includes(s));
result('a viewer reading the blocked calls sees no raw card, SSN or IBAN', leaks.length === 0 && !('error' in recent), leaks.join(', ') || (recent.error ?? ''));
