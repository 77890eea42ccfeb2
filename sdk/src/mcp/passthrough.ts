import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  CompleteRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  type ClientNotification,
  type Prompt,
  type Resource,
  type ResourceTemplate,
} from '@modelcontextprotocol/sdk/types.js';
import type { GatewaySession } from './session';

/** Most pages of one list read from one upstream. */
const MAX_PAGES = 50;

async function allPages<T>(
  fetch: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string }>,
): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { items, nextCursor } = await fetch(cursor);
    out.push(...items);
    if (!nextCursor) break;
    cursor = nextCursor;
  }
  return out;
}

/** Whether an upstream announced a capability (known once connected). */
function offers(
  client: Client,
  feature: 'prompts' | 'resources' | 'completions' | 'logging',
): boolean {
  return Boolean(client.getServerCapabilities()?.[feature]);
}

/**
 * Everything in MCP besides tools passes through: prompts (names prefixed like tools), resources
 * (routed by the URI each upstream listed), completions and logging levels; a method not listed
 * here is refused. The upstreams' own notifications and requests (sampling,
 * elicitation, roots) are relayed by the session's upstream handlers; the SDK relays
 * cancellation and progress of forwarded requests.
 */
export function registerPassthrough(session: GatewaySession): void {
  const { server } = session;
  const names = () => session.upstreamNames;
  const prefix = (name: string) => session.options.prefixes[name] ?? '';
  const resourceOwners = new Map<string, string>();

  /** The upstream owning a prefixed name, and the name without its prefix. */
  const byPrefixed = (exposed: string): { name: string; original: string } => {
    // Longest prefix first, so `a_` never shadows `a_b_`.
    const sorted = names().sort((a, b) => prefix(b).length - prefix(a).length);
    for (const name of sorted) {
      if (exposed.startsWith(prefix(name)))
        return { name, original: exposed.slice(prefix(name).length) };
    }
    throw new McpError(ErrorCode.InvalidParams, `Unknown name "${exposed}"`);
  };

  /** The upstream serving a resource URI: the one that listed it, else the only one offering resources. */
  const byUri = async (uri: string): Promise<Client> => {
    const owner = resourceOwners.get(uri);
    if (owner) return session.upstream(owner);
    const candidates = [];
    for (const name of names()) {
      const client = await session.upstream(name);
      if (offers(client, 'resources')) candidates.push(client);
    }
    if (candidates.length === 1) return candidates[0]!;
    throw new McpError(ErrorCode.InvalidParams, `Unknown resource "${uri}": list resources first`);
  };

  /**
   * Reading data (a resource, a prompt, a completion) is the agent acting too: refused while the
   * kill-switch has it paused, and when Aegis can't say (fail closed), as tool calls are.
   */
  const active = () => session.assertActive();

  /** Runs `fn` on every upstream offering `feature`, in parallel. */
  const each = async <T>(
    feature: 'prompts' | 'resources',
    fn: (c: Client, name: string) => Promise<T[]>,
  ) => {
    const parts = await Promise.all(
      names().map(async (name) => {
        const client = await session.upstream(name);
        return offers(client, feature) ? fn(client, name) : [];
      }),
    );
    return parts.flat();
  };

  server.setRequestHandler(ListPromptsRequestSchema, async (_req, extra) => ({
    prompts: await each('prompts', async (client, name) =>
      (
        await allPages<Prompt>(async (cursor) => {
          const r = await client.listPrompts(cursor ? { cursor } : undefined, {
            signal: extra.signal,
          });
          return { items: r.prompts, nextCursor: r.nextCursor };
        })
      ).map((p) => ({ ...p, name: `${prefix(name)}${p.name}` })),
    ),
  }));
  server.setRequestHandler(GetPromptRequestSchema, async (req, extra) => {
    await active();
    const { name, original } = byPrefixed(req.params.name);
    const client = await session.upstream(name);
    return client.getPrompt({ ...req.params, name: original }, { signal: extra.signal });
  });

  server.setRequestHandler(ListResourcesRequestSchema, async (_req, extra) => ({
    resources: await each('resources', async (client, name) => {
      const items = await allPages<Resource>(async (cursor) => {
        const r = await client.listResources(cursor ? { cursor } : undefined, {
          signal: extra.signal,
        });
        return { items: r.resources, nextCursor: r.nextCursor };
      });
      for (const r of items) resourceOwners.set(r.uri, name);
      return items;
    }),
  }));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, async (_req, extra) => ({
    resourceTemplates: await each('resources', (client) =>
      allPages<ResourceTemplate>(async (cursor) => {
        const r = await client.listResourceTemplates(cursor ? { cursor } : undefined, {
          signal: extra.signal,
        });
        return { items: r.resourceTemplates, nextCursor: r.nextCursor };
      }),
    ),
  }));
  server.setRequestHandler(ReadResourceRequestSchema, async (req, extra) => {
    await active();
    return (await byUri(req.params.uri)).readResource(req.params, { signal: extra.signal });
  });
  server.setRequestHandler(SubscribeRequestSchema, async (req, extra) => {
    await active();
    return (await byUri(req.params.uri)).subscribeResource(req.params, { signal: extra.signal });
  });
  server.setRequestHandler(UnsubscribeRequestSchema, async (req, extra) =>
    (await byUri(req.params.uri)).unsubscribeResource(req.params, { signal: extra.signal }),
  );

  server.setRequestHandler(CompleteRequestSchema, async (req, extra) => {
    await active();
    const ref = req.params.ref;
    if (ref.type === 'ref/prompt') {
      const { name, original } = byPrefixed(ref.name);
      const client = await session.upstream(name);
      return client.complete(
        { ...req.params, ref: { ...ref, name: original } },
        { signal: extra.signal },
      );
    }
    return (await byUri(ref.uri)).complete(req.params, { signal: extra.signal });
  });

  server.setRequestHandler(SetLevelRequestSchema, async (req) => {
    await Promise.all(
      names().map(async (name) => {
        const client = await session.upstream(name);
        if (offers(client, 'logging')) await client.setLoggingLevel(req.params.level);
      }),
    );
    return {};
  });

  // Any other method is refused, never relayed: an upstream that matched method names loosely
  // (`tools/call ` with a space, `Tools/Call`) would otherwise run a tool with no decision and no
  // record. A method MCP adds later is forwarded once it is listed here.
  server.fallbackRequestHandler = (request) =>
    Promise.reject(new McpError(ErrorCode.MethodNotFound, `Method not found: ${request.method}`));
  // Of the client's own notifications only those MCP defines for an upstream go on (cancellation
  // and progress of forwarded requests are relayed by the MCP SDK itself); others are dropped.
  server.fallbackNotificationHandler = async (notification) => {
    if (!RELAYED_NOTIFICATIONS.has(notification.method)) return;
    await Promise.all(
      names().map(async (name) => {
        const client = await session.upstream(name);
        await client.notification(notification as ClientNotification).catch(() => undefined);
      }),
    );
  };
}

/** Client notifications an upstream is told of (exact method names). */
const RELAYED_NOTIFICATIONS: ReadonlySet<string> = new Set(['notifications/roots/list_changed']);
