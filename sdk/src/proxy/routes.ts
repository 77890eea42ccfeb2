import type { ProxyConfig, ProxyEndpoint } from './config';

/** A request matched to an endpoint: the action to decide and the path's named parts. */
export interface Matched {
  endpoint: ProxyEndpoint;
  params: Record<string, string>;
}

type Compiled = { endpoint: ProxyEndpoint; pattern: RegExp; names: string[] };

/**
 * The proxy's map from host + METHOD + path to actions, compiled once. Host names compare
 * case-insensitively; `:name` matches one path segment, a trailing `*` the rest of the path.
 */
export class RouteTable {
  private readonly hosts = new Map<string, { compiled: Compiled[]; connectAction?: string }>();

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
        return { endpoint, pattern: new RegExp(`^${source}$`), names };
      });
      this.hosts.set(normalHost(r.host), { compiled, connectAction: r.connectAction });
    }
  }

  /** The endpoint a request is for; null when the host or the path isn't in the config. */
  match(host: string, method: string, path: string): Matched | null | 'unknown-host' {
    const entry = this.hosts.get(normalHost(host));
    if (!entry) return 'unknown-host';
    for (const c of entry.compiled) {
      if (c.endpoint.method !== method) continue;
      const m = c.pattern.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      c.names.forEach((name, i) => (params[name] = safeDecode(m[i + 1] ?? '')));
      return { endpoint: c.endpoint, params };
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
