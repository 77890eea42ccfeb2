import { foldForDetection } from './fold';

/**
 * What a field's name says about its value. `date_of_birth`, `dateOfBirth` and `DOB` all mean
 * the same thing, so names are split into lower-case words first (at `_`, `-`, `.`, spaces,
 * digits and camelCase humps) and the words are matched, never raw substrings: `dobby` is not a
 * DOB and `lessons` holds no SSN.
 */
export interface KeyContext {
  dob: boolean;
  ssn: boolean;
  /** Passwords, tokens, API keys, client secrets: where a high-entropy string is a secret. */
  secret: boolean;
  phone: boolean;
  routing: boolean;
  card: boolean;
}

export const NO_CONTEXT: KeyContext = Object.freeze({
  dob: false,
  ssn: false,
  secret: false,
  phone: false,
  routing: false,
  card: false,
});

/** Lower-case words of a field name: `ssnLast4` → `ssn last 4`, `AWS_SECRET_KEY` → `aws secret key`. */
export function keyWords(key: string): string[] {
  return key
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z]+|(?<=[a-z])(?=\d)/)
    .filter((w) => w.length > 0)
    // Plurals name the same thing: `phones`, `credentials`, `tokens`.
    .map((w) => (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w));
}

const DOB_PHRASES = ['dob', 'birthdate', 'birthday', 'dateofbirth', 'birthdt', 'bday', 'born', 'dobdate'];
const SSN_PHRASES = ['ssn', 'socialsecurity', 'socialsecuritynumber', 'socsec', 'ssnumber'];
const SECRET_WORDS = new Set([
  'secret',
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'token',
  'apikey',
  'credential',
  'authorization',
  'auth',
  'bearer',
  'privatekey',
  'accesskey',
  'signingkey',
  'clientsecret',
  'sessionid',
  'cookie',
]);
const PHONE_WORDS = new Set(['phone', 'tel', 'telephone', 'mobile', 'cell', 'fax', 'msisdn', 'sms']);
const ROUTING_PHRASES = ['routing', 'aba', 'rtn', 'routingnumber', 'transit'];
const CARD_PHRASES = ['card', 'cc', 'pan', 'cardnumber', 'creditcard', 'ccnumber'];

/** Whether the words, alone or run together in twos and threes, contain one of the phrases. */
function hasPhrase(words: readonly string[], phrases: readonly string[]): boolean {
  for (let i = 0; i < words.length; i++) {
    let joined = '';
    for (let j = i; j < Math.min(words.length, i + 4); j++) {
      joined += words[j];
      if (phrases.includes(joined)) return true;
    }
  }
  return false;
}

function hasSecretWord(words: readonly string[]): boolean {
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    if (SECRET_WORDS.has(w)) return true;
    // `api key`, `private key`, `access key`: a `key` only counts after one of these words.
    const next = words[i + 1];
    if (next !== undefined && SECRET_WORDS.has(w + next)) return true;
  }
  // A bare `key` (e.g. `{"key": "…"}`) is too common to treat as secret on its own.
  return false;
}

/** The context a field name gives its value; cached, because the same names recur on every call. */
export function keyContext(key: string): KeyContext {
  const cached = cache.get(key);
  if (cached) return cached;
  const context = computeKeyContext(key);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, context);
  return context;
}

const CACHE_LIMIT = 4096;
const cache = new Map<string, KeyContext>();

function computeKeyContext(key: string): KeyContext {
  if (key.length === 0 || key.length > 128 || /^\d+$/.test(key)) return NO_CONTEXT;
  // Folded as values are: `s\u200Bsn` (a zero-width space inside) names an SSN all the same.
  const words = keyWords(foldForDetection(key));
  if (words.length === 0) return NO_CONTEXT;
  const context: KeyContext = {
    dob: hasPhrase(words, DOB_PHRASES),
    ssn: hasPhrase(words, SSN_PHRASES),
    secret: hasSecretWord(words),
    phone: words.some((w) => PHONE_WORDS.has(w)),
    routing: hasPhrase(words, ROUTING_PHRASES),
    card: hasPhrase(words, CARD_PHRASES),
  };
  return Object.values(context).some(Boolean) ? Object.freeze(context) : NO_CONTEXT;
}
