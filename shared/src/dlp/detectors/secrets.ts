import { shannonEntropy } from '../checksums';
import type { KeyContext } from '../keys';
import type { MatchSink } from '../types';

/** Token formats that announce themselves with a fixed prefix, one capture group per detector. */
const TOKEN_DETECTORS = [
  'aws_access_key',
  'github_token',
  'gitlab_token',
  'slack_token',
  'google_api_key',
  'openai_key',
  'stripe_key',
  'jwt',
  'aegis_key',
] as const;
const TOKENS = new RegExp(
  [
    '(?:',
    // AWS access key ids: AKIA (long-term), ASIA (session) and the other documented prefixes.
    '((?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA|A3T[A-Z0-9])[A-Z0-9]{16})',
    // GitHub: classic (ghp_ gho_ ghu_ ghs_ ghr_) and fine-grained personal access tokens.
    '|((?:gh[pousr]_[A-Za-z0-9]{36})|github_pat_[A-Za-z0-9_]{82})',
    // GitLab personal, project, deploy, runner, CI job and feed tokens.
    '|(gl(?:pat|ptt|dt|rt|cbt|soat|ffct|imt)-[A-Za-z0-9_-]{20,})',
    // Slack bot/user/app tokens and incoming-webhook URLs.
    '|(xox[abposr]-[A-Za-z0-9-]{10,}|xapp-\\d-[A-Za-z0-9-]{10,}|https://hooks\\.slack\\.com/(?:services|workflows)/[A-Za-z0-9/_-]{20,})',
    // Google API keys and OAuth access tokens.
    '|(AIza[0-9A-Za-z_-]{35}|ya29\\.[0-9A-Za-z_-]{20,})',
    // OpenAI-style "sk-" keys (OpenAI project/service/admin keys, Anthropic, and the like).
    '|(sk-[A-Za-z0-9_-]{20,})',
    '|([rs]k_(?:live|test)_[A-Za-z0-9]{16,})',
    // JSON Web Tokens: base64url header and payload that both open with `{"`.
    '|(eyJ[A-Za-z0-9_-]{5,}\\.eyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]*)',
    // Aegis's own API keys (agent, viewer, admin): "aegis_" and 192 random bits, base64url.
    '|(aegis_[A-Za-z0-9_-]{32})',
    ')(?![A-Za-z0-9_-])',
  ].join(''),
  'g',
);
const PEM_BEGIN = /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY(?: BLOCK)?-----/g;
// "password=…", "api_key: '…'", "Authorization: Bearer …" in free text: a label, then `:` or
// `=` (or "Bearer"), then the value.
const LABELLED =
  /(?:(?:api[_-]?key|secret|token|passw(?:or)?d|pwd|access[_-]?key|authorization)["']?\s{0,3}[:=]\s{0,3}["']?(?:bearer\s+)?|\bbearer\s+)([^\s"',;<>]{12,512})/gi;

/**
 * What a mask leaves (`[REDACTED:aws_access_key]`): after a label it looks random, but is no
 * secret — without this, masking text twice would turn the kind into `generic_secret`.
 */
const MASKED = /^\[REDACTED:[\w.,-]+\]$/;

/**
 * Secrets: tokens with a known prefix anywhere, PEM private keys, and high-entropy strings
 * under a secret-named field (`password`, `api_key`, `client_secret`) or after such a label in
 * text. Masks name the kind and keep nothing of the value.
 */
export function findSecrets(text: string, context: KeyContext, out: MatchSink): void {
  const base = out.length;
  TOKENS.lastIndex = 0;
  // The shortest token format ("xoxb-" and ten more) has 15 characters.
  for (let m = text.length >= 15 ? TOKENS.exec(text) : null; m !== null; m = TOKENS.exec(text)) {
    // The token must start a word (checked here: a leading lookbehind at every position is slow).
    if (m.index > 0 && isTokenChar(text.charCodeAt(m.index - 1))) {
      TOKENS.lastIndex = m.index + 1;
      continue;
    }
    const group = m.findIndex((g, i) => i > 0 && g !== undefined);
    const detector = TOKEN_DETECTORS[group - 1];
    if (detector === undefined) continue;
    // An "sk-" word is only a key if it looks random (letters and digits mixed).
    if (detector === 'openai_key' && !looksRandom(m[0], 3.5)) continue;
    push(out, detector, m.index, m.index + m[0].length, 0.99);
  }
  if (text.includes('-----BEGIN')) findPemKeys(text, out);
  if (out.length > base) return;

  if (context.secret && !/\s/.test(text) && text.length >= 8 && text.length <= 4096) {
    if (looksRandom(text, 3) && !MASKED.test(text)) push(out, 'generic_secret', 0, text.length, 0.8);
    return;
  }
  // A label needs ":" or "=" after it, or is "Bearer": skip the case-insensitive search otherwise.
  if (!text.includes(':') && !text.includes('=') && !text.includes('earer')) return;
  LABELLED.lastIndex = 0;
  for (let m = LABELLED.exec(text); m !== null; m = LABELLED.exec(text)) {
    const value = m[1] as string;
    if (!looksRandom(value, 3.5) || MASKED.test(value)) continue;
    const start = m.index + m[0].length - value.length;
    push(out, 'generic_secret', start, start + value.length, 0.7);
  }
}

function findPemKeys(text: string, out: MatchSink): void {
  PEM_BEGIN.lastIndex = 0;
  for (let m = PEM_BEGIN.exec(text); m !== null; m = PEM_BEGIN.exec(text)) {
    const endMarker = `-----END ${m[1] ?? ''}PRIVATE KEY`;
    const endAt = text.indexOf(endMarker, m.index);
    // A key cut off by a preview or a size cap is still a key: mask to the end of the text.
    const end = endAt === -1 ? text.length : text.indexOf('-----', endAt + endMarker.length) + 5;
    push(out, 'private_key', m.index, Math.max(end, m.index + m[0].length), 0.99);
    PEM_BEGIN.lastIndex = Math.max(end, m.index + m[0].length);
  }
}

/** Mixed character classes and high entropy: how a generated secret differs from a word or an id. */
function looksRandom(value: string, minEntropy: number): boolean {
  let classes = 0;
  if (/[a-z]/.test(value)) classes++;
  if (/[A-Z]/.test(value)) classes++;
  if (/\d/.test(value)) classes++;
  if (/[^A-Za-z0-9_.-]/.test(value)) classes++;
  // Short random strings cannot reach the entropy of long ones: scale the bar with the length.
  return classes >= 2 && shannonEntropy(value) >= Math.min(minEntropy, Math.log2(value.length) * 0.85);
}

function isTokenChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;
}

function push(out: MatchSink, detector: string, start: number, end: number, confidence: number): void {
  out.push({ detector, start, end, confidence });
}
