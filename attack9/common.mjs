/* global process, console, fetch, setTimeout, URL, URLSearchParams */
// Shared bits of the attack scripts: the server under attack, its admin key, a tRPC client.
import { readFileSync } from 'node:fs';
import { createAegis } from '../sdk/dist/index.js';

export const URL_ = process.env.AEGIS_URL ?? 'http://127.0.0.1:8300';
export const DATA = process.env.AEGIS_DATA_DIR ?? '/tmp/attack9-scratch/d1';
export const adminKey = readFileSync(`${DATA}/admin.key`, 'utf8').trim();
export const client = (apiKey = adminKey) => createAegis({ url: URL_, apiKey });
export const MAILS = process.env.MAILS ?? '/tmp/attack9-scratch/mails.jsonl';

export function mails() {
  try {
    return readFileSync(MAILS, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  } catch {
    return [];
  }
}

export async function waitMails(n, ms = 20_000) {
  const end = Date.now() + ms;
  while (mails().length < n) {
    if (Date.now() > end) throw new Error(`expected ${n} mails, got ${mails().length}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return mails();
}

export function result(name, held, detail) {
  console.log(`${held ? 'HELD ' : 'BROKEN'}  ${name}${detail ? ` — ${detail}` : ''}`);
}

/** POSTs a link's token to /notify/decide, as its confirmation page does. */
export function postLink(link, headers = {}) {
  const t = new URL(link).searchParams.get('t');
  return fetch(`${URL_}/notify/decide`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ t }).toString(),
  });
}
