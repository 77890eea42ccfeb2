import type { ProxyConfig, ProxyEndpoint } from './config';

/** A request matched to an endpoint: the action to decide and the path's named parts. */
export interface Matched {
  endpoint: ProxyEndpoint;
  params: Record<string, string>;
  /** The route's `opaqueBody`: whether a body Aegis can't read is forwarded (scanned as text). */
  opaqueBody: 'refuse' | 'allow';
  /** The request's path with the named parts replaced (encoded), e.g. by a reviewer's edit. */
  pathWith(params: Record<string, string>): string;
}

/**
 * Encoded `/`, `\` and `.` in a path: decoded into a parameter they make `1/../../admin/users`, so
 * the decision (get_customer) and what an upstream that decodes them serves (admin/users) differ.
 */
const ENCODED_SEPARATOR = /%(2f|5c|2e)/i;

/** A path Aegis cannot decide on safely; the proxy answers 400 and sends nothing. */
export class UnsafePathError extends Error {
  override name = 'UnsafePathError';
}

type Compiled = { endpoint: ProxyEndpoint; pattern: RegExp; names: string[] };

/**
 * The proxy's map from host + METHOD + path to actions, compiled once. Host names compare
 * case-insensitively; `:name` matches one path segment, a trailing `*` the rest of the path.
 */
export class RouteTable {
  private readonly hosts = new Map<
    string,
    { compiled: Compiled[]; connectAction?: string; opaqueBody: 'refuse' | 'allow' }
  >();

  constructor(config: ProxyConfig) {
    for (const r of config.routes) {
      const compiled = r.endpoints.map((endpoint) => {
        const names: string[] = [];
        const source = endpoint.path
          .split('/')
          .map((part) => {
            if (part.startsWith(':')) {
              names.push(part.slice(1));
              return '([^/]+)';
            }
            if (part === '*') return '.*';
            return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          })
          .join('/');
        return { endpoint, pattern: new RegExp(`^${source}$`, 'd'), names };
      });
      this.hosts.set(normalHost(r.host), {
        compiled,
        connectAction: r.connectAction,
        opaqueBody: r.opaqueBody,
      });
    }
  }

  /**
   * The endpoint a request is for; null when the host or the path isn't in the config. Throws
   * UnsafePathError for a matched path with an encoded separator (see ENCODED_SEPARATOR).
   */
  match(host: string, method: string, path: string): Matched | null | 'unknown-host' {
    const entry = this.hosts.get(normalHost(host));
    if (!entry) return 'unknown-host';
    for (const c of entry.compiled) {
      if (c.endpoint.method !== method) continue;
      const m = c.pattern.exec(path);
      if (!m) continue;
      if (ENCODED_SEPARATOR.test(path)) {
        throw new UnsafePathError(
          `The path has an encoded "/", "\\" or "." (%2F, %5C, %2E), which the upstream may read as a different path than the one decided: not sent`,
        );
      }
      const params: Record<string, string> = {};
      c.names.forEach((name, i) => (params[name] = safeDecode(m[i + 1] ?? '')));
      const spans = c.names.map((_, i): [number, number] => m.indices?.[i + 1] ?? [0, 0]);
      return {
        endpoint: c.endpoint,
        params,
        opaqueBody: entry.opaqueBody,
        pathWith: (p) => replaceSpans(path, spans, c.names, p),
      };
    }
    return null;
  }

  /** The action a CONNECT tunnel to this host is decided as; undefined: tunnels refused. */
  connectAction(authority: string): string | undefined {
    const exact = this.hosts.get(normalHost(authority));
    if (exact) return exact.connectAction;
    // `api.example.com` in the config covers its HTTPS port too
    const [host, port] = authority.toLowerCase().split(':');
    return port === '443' && host ? this.hosts.get(host)?.connectAction : undefined;
  }
}

/** `path` with each named part's span replaced by its new value, encoded. */
function replaceSpans(
  path: string,
  spans: Array<[number, number]>,
  names: string[],
  params: Record<string, string>,
): string {
  let out = '';
  let at = 0;
  spans.forEach(([start, end], i) => {
    out += path.slice(at, start) + encodeURIComponent(params[names[i] ?? ''] ?? '');
    at = end;
  });
  return out + path.slice(at);
}

function normalHost(host: string): string {
  const lower = host.toLowerCase();
  return lower.endsWith(':80') ? lower.slice(0, -3) : lower;
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
