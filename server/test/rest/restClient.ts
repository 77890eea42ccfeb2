/** A tiny HTTP client for the REST tests: what a non-TypeScript client would send. */

export interface CallOptions {
  method?: 'GET' | 'POST';
  /** JSON body; sent with `content-type: application/json`. */
  body?: unknown;
  /** A raw body and its content type, for malformed-input tests. */
  raw?: { body: string; contentType?: string };
  /** The API key, sent as Bearer; `null` sends no credential. */
  key: string | null;
  /** Send the key as HTTP Basic (`agent:KEY`), as the seed's Python SDK does from its URL. */
  basic?: boolean;
}

export interface CallResult {
  status: number;
  body: unknown;
  headers: Headers;
}

/** Calls `<url>/api<path>` and parses the JSON answer. */
export async function call(url: string, path: string, opts: CallOptions): Promise<CallResult> {
  const headers: Record<string, string> = {};
  if (opts.key !== null) {
    headers.authorization = opts.basic
      ? `Basic ${Buffer.from(`agent:${opts.key}`).toString('base64')}`
      : `Bearer ${opts.key}`;
  }
  let body: string | undefined;
  if (opts.raw) {
    body = opts.raw.body;
    if (opts.raw.contentType) headers['content-type'] = opts.raw.contentType;
  } else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${url}/api${path}`, { method: opts.method ?? 'GET', headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep the text (HTML, JS)
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** Creates an API key through the tRPC `keys.create` procedure (admin). */
export async function createKey(
  url: string,
  adminKey: string,
  role: 'admin' | 'reviewer' | 'viewer' | 'agent',
  agents: string[] | null = null,
): Promise<string> {
  const res = await fetch(`${url}/trpc/keys.create`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `rest-test-${role}`, role, agents }),
  });
  const json = (await res.json()) as { result?: { data?: { key?: string } } };
  const key = json.result?.data?.key;
  if (res.status !== 200 || !key) throw new Error(`keys.create failed: ${res.status} ${JSON.stringify(json)}`);
  return key;
}
