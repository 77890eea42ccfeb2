/**
 * Writes the DLP corpus (`shared/src/dlp/corpus/corpus.json`): synthetic, labelled strings for
 * every detector — valid ones in the forms people write them, near misses that must not match
 * (bad checksums, excluded ranges, no context), and ordinary banking text. Seeded, so a re-run
 * writes the same file. `npx tsx shared/scripts/dlpCorpus.ts`
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeIBAN, isValidIBAN } from 'ibantools';

interface Case {
  /** What the case is, for the failure message. */
  note: string;
  text: string;
  /** Name of the field the text sits under, when the case is about field context. */
  key?: string;
  /** Detectors that must match: [] means nothing may. */
  expect: string[];
  /** `ordinary`: everyday banking text that must not match anything. */
  kind: 'positive' | 'negative' | 'ordinary';
}

let state = 0x15d1;
const rnd = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const int = (min: number, max: number) => min + Math.floor(rnd() * (max - min + 1));
const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)] as T;
const digits = (n: number) => Array.from({ length: n }, () => String(int(0, 9))).join('');
const chars = (n: number, set: string) => Array.from({ length: n }, () => set[int(0, set.length - 1)]).join('');
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UPPERNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const B64URL = `${ALNUM}-_`;
const pad = (n: number, w: number) => String(n).padStart(w, '0');

const cases: Case[] = [];
const add = (c: Case) => cases.push(c);
const sentence = (templates: readonly string[], value: string) => pick(templates).replace('{}', value);

// ---- payment cards
function luhnComplete(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return body + String((10 - (sum % 10)) % 10);
}
const CARD_PREFIXES: Array<[() => string, number, string]> = [
  [() => '4', 16, 'Visa'],
  [() => '4', 13, 'Visa 13'],
  [() => String(int(51, 55)), 16, 'Mastercard'],
  [() => String(int(2221, 2720)), 16, 'Mastercard 2-series'],
  [() => pick(['34', '37']), 15, 'Amex'],
  [() => pick(['6011', '65', String(int(644, 649))]), 16, 'Discover'],
  [() => String(int(3528, 3589)), 16, 'JCB'],
  [() => pick(['36', String(int(300, 305))]), 14, 'Diners'],
  [() => '62', 16, 'UnionPay'],
];
const cardNumber = (prefix: string, length: number) => luhnComplete(prefix + digits(length - 1 - prefix.length));
function grouped(num: string, sep: string): string {
  const groups = num.length === 15 ? [4, 6, 5] : num.length === 14 ? [4, 6, 4] : [4, 4, 4, 4, 3].slice(0, Math.ceil(num.length / 4));
  const out: string[] = [];
  let at = 0;
  for (const g of groups) {
    if (at >= num.length) break;
    out.push(num.slice(at, at + g));
    at += g;
  }
  if (at < num.length) out.push(num.slice(at));
  return out.join(sep);
}
const CARD_TEXT = ['{}', 'Please charge card {} for the order.', 'cc: {}', 'Customer read out {} over the phone', 'card_number={}&exp=12/28', 'Refund to {} approved'];
for (let i = 0; i < 120; i++) {
  const [prefix, length, brand] = CARD_PREFIXES[i % CARD_PREFIXES.length]!;
  const num = cardNumber(prefix(), length);
  const form = pick(['', ' ', '-']);
  const written = form === '' ? num : grouped(num, form);
  add({ note: `${brand} ${form === '' ? 'plain' : form === ' ' ? 'spaced' : 'dashed'}`, text: sentence(CARD_TEXT, written), expect: ['card'], kind: 'positive' });
  const last = Number(num.at(-1));
  const bad = num.slice(0, -1) + String((last + 1) % 10);
  add({ note: `${brand} with a wrong check digit`, text: sentence(CARD_TEXT, form === '' ? bad : grouped(bad, form)), expect: [], kind: 'negative' });
}
for (let i = 0; i < 40; i++) {
  const num = cardNumber(pick(['1', '70', '99', '85', '0']), 16);
  add({ note: 'Luhn-valid, no issuer uses the prefix', text: sentence(['order id {}', 'ref {}', '{}'], num), expect: [], kind: 'negative' });
}

// ---- SSNs
const SSN_TEXT = ['SSN on file is {}.', 'social security number {}', '{}', 'Applicant: Jane Roe, {}, 12 Oak St'];
const validSsn = () => {
  let area = int(1, 899);
  if (area === 666) area = 667;
  return `${pad(area, 3)}${pad(int(1, 99), 2)}${pad(int(1, 9999), 4)}`;
};
const dashed = (s: string, sep = '-') => `${s.slice(0, 3)}${sep}${s.slice(3, 5)}${sep}${s.slice(5)}`;
for (let i = 0; i < 60; i++) add({ note: 'valid SSN, dashed', text: sentence(SSN_TEXT, dashed(validSsn())), expect: ['ssn'], kind: 'positive' });
for (let i = 0; i < 20; i++) add({ note: 'valid SSN, spaced', text: dashed(validSsn(), ' '), expect: ['ssn'], kind: 'positive' });
for (let i = 0; i < 20; i++) add({ note: 'bare SSN under an ssn field', text: validSsn(), key: pick(['ssn', 'social_security_number', 'customerSSN']), expect: ['ssn'], kind: 'positive' });
for (let i = 0; i < 20; i++) add({ note: 'bare SSN after a label', text: `SSN: ${validSsn()}`, expect: ['ssn'], kind: 'positive' });
for (let i = 0; i < 10; i++) add({ note: 'last four under ssn_last4', text: pad(int(1, 9999), 4), key: 'ssn_last4', expect: ['ssn'], kind: 'positive' });
const EXCLUDED = [
  () => `000${pad(int(1, 99), 2)}${pad(int(1, 9999), 4)}`,
  () => `666${pad(int(1, 99), 2)}${pad(int(1, 9999), 4)}`,
  () => `${int(900, 999)}${pad(int(1, 99), 2)}${pad(int(1, 9999), 4)}`,
  () => `${pad(int(1, 665), 3)}00${pad(int(1, 9999), 4)}`,
  () => `${pad(int(1, 665), 3)}${pad(int(1, 99), 2)}0000`,
  () => pick(['078051120', '219099999']),
];
for (let i = 0; i < 60; i++) add({ note: 'SSN-shaped, excluded range or advertised', text: sentence(['ref {}', 'claim number {}', '{}'], dashed(EXCLUDED[i % EXCLUDED.length]!())), expect: [], kind: 'negative' });
for (let i = 0; i < 20; i++) add({ note: 'nine digits, no SSN context', text: sentence(['order {}', 'tracking {} shipped', '{}'], validSsn()), expect: [], kind: 'negative' });

// ---- IBANs
const BBAN: Record<string, () => string> = {
  DE: () => digits(18),
  GB: () => chars(4, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') + digits(14),
  FR: () => digits(10) + chars(11, UPPERNUM) + digits(2),
  ES: () => digits(20),
  IT: () => chars(1, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') + digits(10) + chars(12, UPPERNUM),
  NL: () => chars(4, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') + digits(10),
  CH: () => digits(5) + chars(12, UPPERNUM),
  BE: () => digits(12),
  AT: () => digits(16),
  PL: () => digits(24),
};
function iban(country: string): string {
  for (;;) {
    const candidate = composeIBAN({ countryCode: country, bban: BBAN[country]!() });
    if (candidate && isValidIBAN(candidate)) return candidate;
  }
}
const printed = (s: string) => s.replace(/(.{4})(?=.)/g, '$1 ');
for (let i = 0; i < 100; i++) {
  const value = iban(Object.keys(BBAN)[i % 10]!);
  const form = i % 2 === 0 ? value : printed(value);
  add({ note: `IBAN ${value.slice(0, 2)} ${i % 2 === 0 ? 'compact' : 'printed'}`, text: sentence(['IBAN: {}', 'Please wire to {} today', '{}'], form), expect: ['iban'], kind: 'positive' });
  const broken = value.slice(0, -1) + String((Number(value.at(-1)) + 1) % 10);
  if (!isValidIBAN(broken)) add({ note: 'IBAN with a wrong digit', text: i % 2 === 0 ? broken : printed(broken), expect: [], kind: 'negative' });
}

// ---- ABA routing numbers
function routing(): string {
  for (;;) {
    const prefix = pick([int(1, 12), int(21, 32), int(61, 72)]);
    const body = pad(prefix, 2) + digits(6);
    const d = body.split('').map(Number);
    const partial = 3 * (d[0]! + d[3]! + d[6]!) + 7 * (d[1]! + d[4]! + d[7]!) + (d[2]! + d[5]!);
    const check = (10 - (partial % 10)) % 10;
    const value = body + String(check);
    if (value !== '000000000') return value;
  }
}
for (let i = 0; i < 50; i++) add({ note: 'routing number after a label', text: sentence(['routing number {}', 'ABA {} account 0012345678', 'Wire: RTN {}, acct 55512'], routing()), expect: ['routing'], kind: 'positive' });
for (let i = 0; i < 50; i++) add({ note: 'routing number under a routing field', text: routing(), key: pick(['routing_number', 'abaRouting', 'routingNo']), expect: ['routing'], kind: 'positive' });
for (let i = 0; i < 40; i++) {
  const value = routing();
  const bad = value.slice(0, -1) + String((Number(value.at(-1)) + 1) % 10);
  add({ note: 'routing number with a wrong check digit', text: `routing number ${bad}`, expect: [], kind: 'negative' });
}

// ---- e-mail
const NAMES = ['maria', 'james.okafor', 'p.patel', 'chen_wei', 'lucy+billing', 'o.haddad', 'hr-team', 'd.hernandez84'];
const DOMAINS = ['example.com', 'mail.example.org', 'bank.example', 'corp.example.co.uk', 'example.io'];
for (let i = 0; i < 100; i++) add({ note: 'e-mail', text: sentence(['{}', 'Send the statement to {}.', 'contact: <{}>', 'cc {} and the team'], `${pick(NAMES)}${int(0, 3) === 0 ? int(1, 99) : ''}@${pick(DOMAINS)}`), expect: ['email'], kind: 'positive' });
for (const text of ['@maria mentioned it', 'user@localhost', 'a@b', 'price @ $5.00 each', 'me@home.', 'name@-bad-.com']) add({ note: 'not an e-mail', text, expect: [], kind: 'negative' });

// ---- phone numbers
const AREA = () => String(int(2, 9)) + digits(2);
const EXCH = () => String(int(2, 9)) + digits(2);
const PHONES: Array<[string, () => string]> = [
  ['E.164 compact', () => `+1${AREA()}${EXCH()}${digits(4)}`],
  ['international spaced', () => `+44 20 ${digits(4)} ${digits(4)}`],
  ['international dashed', () => `+49-30-${digits(8)}`],
  ['NANP parentheses', () => `(${AREA()}) ${EXCH()}-${digits(4)}`],
  ['NANP dashed', () => `${AREA()}-${EXCH()}-${digits(4)}`],
  ['NANP dotted', () => `${AREA()}.${EXCH()}.${digits(4)}`],
  ['NANP with 1', () => `1-${AREA()}-${EXCH()}-${digits(4)}`],
  ['UK national', () => `020 ${digits(4)} ${digits(4)}`],
  ['FR national', () => `0${int(1, 9)} ${digits(2)} ${digits(2)} ${digits(2)} ${digits(2)}`],
  ['+1 with parentheses', () => `+1 (${AREA()}) ${EXCH()}-${digits(4)}`],
];
for (let i = 0; i < 100; i++) {
  const [note, make] = PHONES[i % PHONES.length]!;
  add({ note: `phone, ${note}`, text: sentence(['Call me at {}', '{}', 'mobile: {} (evenings)', 'left a voicemail on {}'], make()), expect: ['phone'], kind: 'positive' });
}
for (let i = 0; i < 20; i++) add({ note: 'bare digits under a phone field', text: `${AREA()}${EXCH()}${digits(4)}`, key: pick(['phone', 'mobile_number', 'cellPhone']), expect: ['phone'], kind: 'positive' });
for (let i = 0; i < 20; i++) add({ note: 'ten bare digits, no phone field', text: sentence(['invoice {}', 'account {}', '{}'], `${AREA()}${EXCH()}${digits(4)}`), expect: [], kind: 'negative' });

// ---- dates of birth
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DOB_FORMS: Array<[string, (y: number, m: number, d: number) => string]> = [
  ['ISO', (y, m, d) => `${y}-${pad(m, 2)}-${pad(d, 2)}`],
  ['US', (y, m, d) => `${pad(m, 2)}/${pad(d, 2)}/${y}`],
  ['EU', (y, m, d) => `${pad(d, 2)}.${pad(m, 2)}.${y}`],
  ['month name', (y, m, d) => `${MONTHS[m - 1]} ${d}, ${y}`],
  ['day month', (y, m, d) => `${d} ${MONTHS[m - 1]} ${y}`],
  ['ISO timestamp', (y, m, d) => `${y}-${pad(m, 2)}-${pad(d, 2)}T00:00:00.000Z`],
];
for (let i = 0; i < 60; i++) {
  const [note, form] = DOB_FORMS[i % DOB_FORMS.length]!;
  add({ note: `DOB field, ${note}`, text: form(int(1930, 2005), int(1, 12), int(1, 28)), key: pick(['dob', 'date_of_birth', 'birthDate', 'DOB', 'birthday']), expect: ['dob'], kind: 'positive' });
}
for (let i = 0; i < 40; i++) {
  const [note, form] = DOB_FORMS[i % 5]!;
  add({ note: `DOB label, ${note}`, text: sentence(['DOB: {}', 'date of birth {}', 'Customer was born on {} in Ohio', 'D.O.B. {}'], form(int(1930, 2005), int(1, 12), int(1, 28))), expect: ['dob'], kind: 'positive' });
}
for (let i = 0; i < 30; i++) {
  const [, form] = DOB_FORMS[i % 5]!;
  add({ note: 'a date that is not a birth date', text: sentence(['Payment posted {}', 'statement date {}', '{}'], form(int(2020, 2026), int(1, 12), int(1, 28))), key: pick(['date', 'created_at', 'posted', undefined]), expect: [], kind: 'negative' });
}

// ---- secrets
const b64url = (json: object) => Buffer.from(JSON.stringify(json)).toString('base64url');
const SECRETS: Array<[string, () => string]> = [
  ['aws_access_key', () => `${pick(['AKIA', 'ASIA'])}${chars(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`],
  ['github_token', () => `${pick(['ghp', 'gho', 'ghs', 'ghu'])}_${chars(36, ALNUM)}`],
  ['github_token', () => `github_pat_${chars(22, ALNUM)}_${chars(59, ALNUM)}`],
  ['gitlab_token', () => `glpat-${chars(20, `${ALNUM}_-`)}`],
  ['slack_token', () => `xoxb-${digits(11)}-${digits(12)}-${chars(24, ALNUM)}`],
  ['slack_token', () => `https://hooks.slack.com/services/T${chars(8, UPPERNUM)}/B${chars(8, UPPERNUM)}/${chars(24, ALNUM)}`],
  ['google_api_key', () => `AIza${chars(35, `${ALNUM}_-`)}`],
  ['openai_key', () => `sk-proj-${chars(48, ALNUM)}`],
  ['openai_key', () => `sk-${chars(48, ALNUM)}`],
  ['stripe_key', () => `sk_live_${chars(24, ALNUM)}`],
  ['jwt', () => `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub: digits(8), iat: int(1.6e9, 1.8e9) })}.${chars(43, B64URL)}`],
  ['aegis_key', () => `aegis_${chars(32, B64URL)}`],
  ['private_key', () => `-----BEGIN ${pick(['RSA ', 'EC ', 'OPENSSH ', ''])}PRIVATE KEY-----\n${chars(64, `${ALNUM}+/`)}\n${chars(40, `${ALNUM}+/`)}==\n-----END PRIVATE KEY-----`],
];
for (let i = 0; i < 144; i++) {
  const [detector, make] = SECRETS[i % SECRETS.length]!;
  add({ note: `secret ${detector}`, text: sentence(['{}', 'export TOKEN={}', 'here is the key: {} do not share', 'config: {"auth": "{}"}'], make()), expect: [detector], kind: 'positive' });
}
for (let i = 0; i < 30; i++) add({ note: 'high-entropy value under a secret field', text: chars(int(16, 40), `${ALNUM}!#%&*`), key: pick(['password', 'api_key', 'client_secret', 'auth_token', 'X-Api-Key']), expect: ['generic_secret'], kind: 'positive' });
for (let i = 0; i < 30; i++) add({ note: 'labelled high-entropy value in text', text: `${pick(['password', 'api_key', 'secret', 'Authorization'])}=${chars(int(20, 40), ALNUM)}`, expect: ['generic_secret'], kind: 'positive' });
for (const [text, key] of [
  ['sk-learn is a library', undefined],
  ['AKIA is a prefix', undefined],
  ['ghp_short', undefined],
  ['Bearer authentication is required', undefined],
  ['access_token', 'token_type'],
  ['not-set', 'password'],
  ['changeme', 'api_key'],
  ['eyJhbGciOiJIUzI1NiJ9 alone', undefined],
  ['-----BEGIN PUBLIC KEY-----', undefined],
  ['the tokenization service is down', undefined],
  ['aegis_loop(items, 2) is inserted by the loop budget', undefined],
] as const) add({ note: 'not a secret', text, key, expect: [], kind: 'negative' });

// ---- ordinary banking text
const ORDINARY = [
  'Your balance on account 1004 is $2,345.12 as of 2026-11-20.',
  'Payroll deposit of $3,210.55 received on 11/15/2026.',
  'Transfer From Checking: $500.00, new savings balance $12,400.00',
  'Wire transfer reference 2026112000123 is pending review.',
  'Transaction 48213 at Grocery Store for $45.12 was approved at 10:42.',
  'Your loan of $12,500 over 36 months at 6.9% APR costs $385.41 per month.',
  'Card ending in 1111 was used at Gas Station on Nov 3.',
  'Branch hours: 9:00–17:00, Monday to Friday. Call 1-800-FLOWERS for flowers.',
  'Customer 7 opened account 1011 on 2023-04-02 with an initial deposit of $1,000.',
  'Mailing address: 4821 Maple Ave, Portland, OR 97201',
  'Credit score 742 (good); factors: on-time payments, low utilization 23%.',
  'Fraud alert: International Wire Transfer of $4,850.00 flagged at 2026-11-18T14:05:00Z.',
  'Order #1234-5678 shipped; tracking 1Z999AA10123456784.',
  'Interest Payment of $12.47 posted to account 1008.',
  'Routing and account details are available in the online banking portal.',
  'ATM withdrawal of $300.00 at 5th & Main, receipt no. 000123.',
  'Statement period 2026-10-01 to 2026-10-31; 14 transactions.',
  'Please keep your PIN and password secret; we will never ask for them.',
  'Case 2026-000457 escalated to the fraud desk (priority 2).',
  'Exchange rate 1 EUR = 1.0832 USD on 2026-11-19.',
  'Invoice INV-2026-00981 due 12/01/2026, amount 1,250.00 USD.',
  'Mobile Check Deposit: check no. 10452 for $650.00.',
  'Version 2.14.3 of the app fixes the login issue.',
  'Zelle Transfer Received from J. Smith: $120.00',
  'Coordinates 45.5152, -122.6784 (Portland branch)',
];
for (const text of ORDINARY) add({ note: 'ordinary banking text', text, expect: [], kind: 'ordinary' });

// ---- Unicode separators: the cases above as someone hiding a value from DLP would write them —
// invisible characters inside, no-break spaces for spaces, Unicode dashes for hyphens. Folded, each
// reads as its ASCII case: positives must still match, near misses and ordinary text still must not.
const INVISIBLE = ['\u200b', '\u00ad', '\u200c', '\u200d', '\u2060', '\ufeff', '\u180e', '\u202a', '\u202c', '\u2066', '\u2069'];
const SPACE = ['\u00a0', '\u202f', '\u2007', '\u2009', '\u3000'];
const DASH = ['\u2013', '\u2010', '\u2011', '\u2012', '\u2014', '\u2212', '\ufe63', '\uff0d'];
/** `sep()` after every third character. */
const every3 = (text: string, sep: () => string) => text.replace(/.{3}(?=.)/gsu, (run) => run + sep());
const DISGUISES: Array<[string, RegExp, (text: string) => string]> = [
  ['zero-width spaces', /./, (t) => every3(t, () => '\u200b')],
  ['soft hyphens', /./, (t) => every3(t, () => '\u00ad')],
  ['no-break spaces', / /, (t) => t.replaceAll(' ', '\u00a0')],
  ['narrow no-break spaces', / /, (t) => t.replaceAll(' ', '\u202f')],
  ['en dashes', /-/, (t) => t.replaceAll('-', '\u2013')],
  ['mixed separators', /[ -]/, (t) => every3(t.replace(/ /g, () => pick(SPACE)).replace(/-/g, () => pick(DASH)), () => pick(INVISIBLE))],
];
/** `count` cases spread over the list. */
const spread = <T>(xs: readonly T[], count: number): T[] => (xs.length <= count ? [...xs] : Array.from({ length: count }, (_, i) => xs[Math.floor((i * xs.length) / count)] as T));
const ascii = [...cases];
for (const [name, applies, disguise] of DISGUISES) {
  for (const detector of new Set(ascii.flatMap((c) => c.expect))) {
    const forms = ascii.filter((c) => c.kind === 'positive' && c.expect.includes(detector) && applies.test(c.text));
    for (const c of spread(forms, 4)) add({ ...c, note: `${c.note}, with ${name}`, text: disguise(c.text) });
  }
  const nearMisses = ascii.filter((c) => c.kind === 'negative' && applies.test(c.text));
  for (const c of spread(nearMisses, 30)) add({ ...c, note: `${c.note}, with ${name}`, text: disguise(c.text) });
  for (const c of ascii.filter((o) => o.kind === 'ordinary' && applies.test(o.text))) add({ ...c, note: `${c.note}, with ${name}`, text: disguise(c.text) });
}
const UNICODE_ORDINARY = [
  'Solde au 20/11/2026\u202f: 12\u202f500,00\u00a0€ (compte courant).',
  'Überweisung über 1\u00a0234\u00a0567,89\u00a0€ am 03.11.2026 ausgeführt.',
  'Öffnungszeiten: Mo\u2013Fr 9:00\u201317:00, Sa 10:00\u201313:00.',
  'Temperature range \u221210\u202f°C to +40\u202f°C; humidity 20\u201380\u00a0%.',
  'Pages 1204\u20131219, vol.\u00a012, 2019\u20132021 edition.',
  '東京都港区芝公園4\u22122\u22128、電話はウェブサイトをご覧ください。',
  'Team 👩\u200d💻👨\u200d💻 shipped release 3.2.1 on 2026\u201311\u201320.',
  '\u202bשלום\u202c, order #48213 total \u200e$45.12\u200e.',
  'Account ending in \u2022\u2022\u2022\u2022\u00a01111 was charged $18.40.',
  'Quarter results: revenue \u2212$1\u00a0250\u00a0000 vs plan, margin 12.5\u00a0%.',
];
for (const text of UNICODE_ORDINARY) add({ note: 'ordinary text with Unicode spaces and dashes', text, expect: [], kind: 'ordinary' });

// ---- Unicode digits, marks and separators: the same cases with every digit in another script or
// style (mathematical digits are surrogate pairs), with combining marks, keycaps, variation
// selectors and tags on their characters, split by line separators, or spelled in mathematical
// letters. Folded, each reads as its ASCII case again.

const SCRIPT_ZERO = [0x660, 0x6f0, 0x966, 0x9e6, 0xe50, 0xff10, 0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e950];
const SUPERSCRIPT = ['\u2070', '\u00b9', '\u00b2', '\u00b3', '\u2074', '\u2075', '\u2076', '\u2077', '\u2078', '\u2079'];
const CIRCLED = ['\u24ea', ...Array.from({ length: 9 }, (_, d) => String.fromCodePoint(pick([0x2460, 0x2776, 0x2780, 0x278a]) + d))];
const MARKS = ['\u0301', '\u0332', '\u0338', '\u20e3', '\u20dd', '\ufe0f', '\ufe0e', '\u{e0100}', '\u{e0031}', '\u034f', '\u0300\u0301'];
const inScript = (t: string) => {
  const zero = pick(SCRIPT_ZERO);
  return t.replace(/\d/g, (d) => String.fromCodePoint(zero + Number(d)));
};
const mathLetters = (t: string) =>
  t.replace(/[A-Za-z0-9]/g, (ch) =>
    String.fromCodePoint(/\d/.test(ch) ? 0x1d7ce + Number(ch) : /[A-Z]/.test(ch) ? 0x1d400 + ch.charCodeAt(0) - 65 : 0x1d41a + ch.charCodeAt(0) - 97),
  );
const UNICODE_DISGUISES: Array<[string, RegExp, (text: string) => string]> = [
  ['digits of another script or mathematical digits', /\d/, inScript],
  ['superscript digits', /\d/, (t) => t.replace(/\d/g, (d) => SUPERSCRIPT[Number(d)]!)],
  ['circled digits', /\d/, (t) => t.replace(/\d/g, (d) => CIRCLED[Number(d)]!)],
  ['combining marks and variation selectors', /./, (t) => t.replace(/[A-Za-z0-9]/g, (ch) => (int(0, 2) === 0 ? ch + pick(MARKS) : ch))],
  ['keycaps', /\d/, (t) => t.replace(/\d/g, (d) => `${d}\ufe0f\u20e3`)],
  ['line separators', / /, (t) => t.replace(/ /g, () => pick(['\u2028', '\u2029', '\u0085', '\u205f', '\u1680']))],
  ['mathematical letters and digits', /[A-Za-z]/, mathLetters],
];
for (const [name, applies, disguise] of UNICODE_DISGUISES) {
  for (const detector of new Set(ascii.flatMap((c) => c.expect))) {
    const forms = ascii.filter((c) => c.kind === 'positive' && c.expect.includes(detector) && applies.test(c.text));
    for (const c of spread(forms, 4)) add({ ...c, note: `${c.note}, with ${name}`, text: disguise(c.text) });
  }
  const nearMisses = ascii.filter((c) => c.kind === 'negative' && applies.test(c.text));
  for (const c of spread(nearMisses, 30)) add({ ...c, note: `${c.note}, with ${name}`, text: disguise(c.text) });
  for (const c of ascii.filter((o) => o.kind === 'ordinary' && applies.test(o.text))) add({ ...c, note: `${c.note}, with ${name}`, text: disguise(c.text) });
}
const MULTILINGUAL_ORDINARY = [
  'رصيد الحساب ١٢٬٥٠٠٫٠٠ ريال بتاريخ ٢٠٢٦/١١/٢٠، رقم المعاملة ٤٨٢١٣.',
  'تم تحويل مبلغ ٣٬٢١٠ درهم إلى الحساب المنتهي بـ ١٠٠٤ يوم ١٥ نوفمبر ٢٠٢٦.',
  'مبلغ ۱٬۲۵۰٬۰۰۰ تومان در تاریخ ۱۴۰۵/۰۸/۲۹ به حساب ۱۰۰۸ واریز شد.',
  'खाता संख्या के अंतिम अंक १००४, शेष राशि ₹२,३४५.१२, दिनांक २०.११.२०२६।',
  'आपके ऋण की मासिक किस्त ₹१२,५०० है, ३६ महीनों के लिए, ब्याज दर ६.९%।',
  '৳ ১২,৫০০ জমা হয়েছে ২০/১১/২০২৬ তারিখে, লেনদেন নং ৪৮২১৩।',
  'ยอดเงินคงเหลือ ๑๒,๕๐๐.๐๐ บาท ณ วันที่ ๒๐/๑๑/๒๕๖๙ เวลา ๑๐:๔๒ น.',
  '残高：１２，５００円（２０２６年１１月２０日現在）、口座番号末尾１００４。',
  '账户尾号1004，余额¥2,345.12，交易时间2026-11-20 10:42。',
  'So\u0302\u0301 du\u031b ta\u0300i khoa\u0309n: 12.500.000\u00a0\u20ab nga\u0300y 20/11/2026.',
  'Payment received \u2705\ufe0f $120.00 \u2764\ufe0f thanks! Press 1\ufe0f\u20e3 for balance, 2\ufe0f\u20e3 for transfers.',
  'Rate us \u2b50\ufe0f\u2b50\ufe0f\u2b50\ufe0f\u2b50\ufe0f\u2b50\ufe0f \u{1f3e6}\u{1f1e9}\u{1f1ea} branch 1004, 9:00\u201317:00.',
  'Wohnfläche 85\u00a0m², Kaltmiete 1.200\u00a0€¹, Kaution 3.600\u00a0€² (Stand 01.11.2026).',
  'Fees¹ apply to wires over $10,000²; see note ³ on page 12.',
  'Steps: ① open the app ② tap Transfers ③ confirm the $45.12 payment ④ done.',
  '\u{1d412}\u{1d400}\u{1d40b}\u{1d404}: no fees on transfers until 2026-12-31, code \u{1d7d0}\u{1d7ce}\u{1d7d0}\u{1d7d4}.',
  'Statement 2026-11\u2028Balance $2,345.12\u2029Account 1004, 14 transactions.',
  'Сумма 1\u00a0200\u00a0₽ списана 20.11.2026 в 10:42, карта заканчивается на 1111.',
];
for (const text of MULTILINGUAL_ORDINARY) add({ note: 'ordinary multilingual text with digits of other scripts, marks and emoji', text, expect: [], kind: 'ordinary' });

// ---- Other separators and a digit ahead (attack review 13): cards written with dots, slashes,
// underscores, " - ", two spaces, digit by digit or after "1 " must still be found; the same with a
// wrong check digit must not, nor ordinary text full of dotted and spaced numbers. (Last, so the
// cases above stay as they were.)
const cardPositives = ascii.filter((c) => c.kind === 'positive' && c.expect.includes('card'));
const bareDigits = (text: string) => /\d[\d -]{11,}\d/.exec(text)![0].replace(/\D/g, '');
const SEPARATED: Array<[string, (num: string) => string]> = [
  ['dotted', (n) => grouped(n, '.')],
  ['slashed', (n) => grouped(n, '/')],
  ['underscored', (n) => grouped(n, '_')],
  ['" - " between groups', (n) => grouped(n, ' - ')],
  ['two spaces between groups', (n) => grouped(n, '  ')],
  ['digit by digit', (n) => n.split('').join(' ')],
  ['after a digit and a space', (n) => `1 ${grouped(n, ' ')}`],
];
for (const [name, write] of SEPARATED) {
  for (const c of spread(cardPositives, 8)) {
    const num = bareDigits(c.text);
    add({ note: `card ${name}`, text: `Please charge card ${write(num)} for the order.`, expect: ['card'], kind: 'positive' });
    const bad = num.slice(0, -1) + String((Number(num.at(-1)) + 1) % 10);
    add({ note: `card ${name} with a wrong check digit`, text: `cc: ${write(bad)}`, expect: [], kind: 'negative' });
  }
}
for (let i = 0; i < 10; i++) {
  const ssn = validSsn();
  add({ note: 'valid SSN, dotted', text: sentence(SSN_TEXT, dashed(ssn, '.')), expect: ['ssn'], kind: 'positive' });
  add({ note: 'valid SSN, slashed', text: sentence(SSN_TEXT, dashed(ssn, '/')), expect: ['ssn'], kind: 'positive' });
}
for (const country of ['DE', 'GB', 'FR', 'ES', 'NL']) {
  add({ note: `IBAN ${country} in lower case`, text: `wire to ${iban(country).toLowerCase()} today`, expect: ['iban'], kind: 'positive' });
}
const DOTTED_ORDINARY = [
  'Server 192.168.100.200 and 10.0.0.1 answered in 4.5 s, 3.2 s and 1.1 s.',
  'Release 4.11.1.1 replaces 4.10.9.8; see build 2026.11.20.1042.',
  'Scores: 4 1 2 3 5 1 2 4 3 3 2 1 5 4 2 3 across the sixteen branches.',
  'Rates 4.25 / 4.50 / 4.75 / 5.00 / 5.25 % for 1/2/3/4/5 years.',
  'Tracking 1Z 999 AA1 01 2345 6784 arrives 11/20.',
];
for (const text of DOTTED_ORDINARY) add({ note: 'ordinary text with dotted and spaced numbers', text, expect: [], kind: 'ordinary' });

// ---- Ordinary numbers that are no card (the card scan's false positives, 2026-12-07): rows and
// columns of small numbers, dates, amounts, versions, IP addresses and phone numbers, joined by
// spaces, tabs or line breaks. Read as one grouped number, one in five such rows held a
// Luhn-valid stretch from a known issuer range. The first of each are rows that were reported
// as cards; the rest random. (Last, so the cases above stay as they were.)
const rows = (count: number, item: () => string, sep: () => string) => {
  let out = item();
  for (let i = 1; i < count; i++) out += sep() + item();
  return out;
};
const cellSep = () => pick([' ', '\t', '  ']);
const listSep = () => pick([' ', '\n', '\t', ' / ', ' - ']);
const NUMBER_ROWS: Array<[string, string[], () => string]> = [
  ['a row of one- and two-digit numbers', ['64 36 79 75 13 77 75 81 17 9 45 45 38 37 5 40 99 54 68', '1\t12\t1\t0\t28\t72\t25\t83\t0\t7\t71\t97\t14\t30\t75\t80\t73\t3\t96'], () => rows(int(8, 20), () => String(int(0, 99)), cellSep)],
  ['a row of two-digit numbers', ['69 61 41 10 42 20 16 41 56 82 22 50 24 12 70 21 91 68', '40 62 34 14 25 72 79 34 70 79 46 14 94 43 93 50 28 39 45'], () => rows(int(8, 20), () => String(int(10, 99)), cellSep)],
  ['a row of numbers up to 999', ['346\t551\t40\t333\t273\t417\t664\t825\t219\t242\t952\t302\t963\t498\t230\t188', '834 12 213 867 628 665 670 590 515 528 505 29 575 352 919 512 817 836'], () => rows(int(8, 20), () => String(int(0, 999)), cellSep)],
  ['a table of single digits (tab-separated)', ['3\t5\t3\t8\t4\t3\t1\t7\t6\t9\t4\t2\t7\t5\t0\t7\t3\t1\t9', '3\t8\t6\t7\t0\t8\t4\t4\t3\t4\t1\t5\t2\t5'], () => rows(int(13, 19), () => String(int(0, 9)), () => pick(['\t', '\n']))],
  ['a matrix of small numbers', ['8 7 0 12\n1 0 18\n11 4 19\n18 19 16 1 4 18', '20 6 2 14 8 8 6\n6 14 3 12 7 19'], () => rows(int(2, 5), () => rows(int(3, 8), () => String(int(0, 20)), () => ' '), () => '\n')],
  ['a JSON array of numbers', ['[4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]', '[64,36,79,75,13,77,75,81,17,9,45,45,38,37,5,40]'], () => JSON.stringify(Array.from({ length: int(8, 20) }, () => int(0, 99)))],
  ['ISO dates', ['2027-09-13 / 2022-06-27 / 2018-07-12 / 2010-08-12', '2016-05-14\n2024-04-24\n2023-12-13\n2020-04-28'], () => rows(int(2, 6), () => `20${pad(int(10, 29), 2)}-${pad(int(1, 12), 2)}-${pad(int(1, 28), 2)}`, listSep)],
  ['day/month/year dates', ['28/6/2012 23/2/2028 2/2/2012', '13/1/2025\n1/9/2019\n17/9/2025\n24/8/2019\n14/7/2026\n11/9/2011'], () => rows(int(2, 6), () => `${int(1, 28)}/${int(1, 12)}/20${pad(int(10, 29), 2)}`, listSep)],
  ['dotted dates', ['26.08.2021\n25.05.2010\n01.07.2024\n15.06.2016\n03.06.2015', '22.09.2016 / 02.12.2012 / 23.03.2024 / 24.11.2029 / 22.08.2019'], () => rows(int(2, 6), () => `${pad(int(1, 28), 2)}.${pad(int(1, 12), 2)}.20${pad(int(10, 29), 2)}`, listSep)],
  ['amounts in thousands', ['345 458 434 - 511 360 349 - 694 041 968 - 495 251 278', '1 000 000 4 250 000 2 500 000 7 125 000'], () => rows(int(2, 5), () => `${int(1, 999)} ${pad(int(0, 999), 3)} ${pad(int(0, 999), 3)}`, () => pick(['\n', '\t', ' / ']))],
  ['version strings', ['8.19.6 / 5.18.18 / 1.13.3 / 5.5.16 / 8.3.30', '7.0.24 - 4.1.2 - 9.9.21 - 2.16.18 - 4.9.22 - 7.7.30'], () => rows(int(2, 6), () => `${int(0, 9)}.${int(0, 20)}.${int(0, 30)}`, listSep)],
  ['IPv4 addresses', ['188.181.57.26\n80.230.188.53\n101.2.87.150\n19.186.135.6\n57.245.102.184', '3.171.214.38\n168.148.72.215\n127.101.249.219\n61.88.144.247\n244.245.121.123'], () => rows(int(2, 5), () => `${int(1, 255)}.${int(0, 255)}.${int(0, 255)}.${int(0, 255)}`, listSep)],
];
for (const [name, reported, random] of NUMBER_ROWS) {
  for (const text of [...reported, ...Array.from({ length: 12 }, random)]) add({ note: `ordinary numbers, no card: ${name}`, text, expect: [], kind: 'ordinary' });
}
// Phone numbers one after another are phone numbers, not a card.
for (const text of ['455-991-4453\t338-317-6785', '827-662-6139\n251-696-3020\n563-431-7203\n319-802-6477', '698 496 8193\n957 512 2542\n613 208 0677\n518 583 1255']) {
  add({ note: 'a list of phone numbers, no card', text, expect: ['phone'], kind: 'positive' });
}

const here = path.dirname(fileURLToPath(import.meta.url));
const file = path.join(here, '..', 'src', 'dlp', 'corpus', 'corpus.json');
// Invisible characters and Unicode spaces written as \u escapes, so the file shows what the cases hold.
// So are the marks put on characters to hide them, and line separators (each unit of an astral one).
const hex = (unit: number) => `\\u${unit.toString(16).padStart(4, '0')}`;
const json = JSON.stringify(cases, null, 1).replace(
  // Only the combining marks of these blocks (not the vowel signs of Hindi or Thai text): written alone.
  // eslint-disable-next-line no-misleading-character-class
  /[\p{Cf}\p{Zs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u0085\u0300-\u036f\u20d0-\u20ff]/gu,
  (c) => (c === ' ' ? c : Array.from({ length: c.length }, (_, i) => hex(c.charCodeAt(i))).join('')),
);
writeFileSync(file, `${json}\n`);
process.stdout.write(`${cases.length} cases → ${path.relative(process.cwd(), file)}\n`);
