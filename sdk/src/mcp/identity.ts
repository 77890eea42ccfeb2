import { createHash } from 'node:crypto';
import { createAegis, type Aegis } from '../client';
import { toAegisError } from '../serverErrors';
import type { AegisMode } from '../types';
import { ensureAgent } from './agentSetup';

export type Refused = { ok: false; status: number; message: string };
export type Identity = { ok: true; agent: string } | Refused;

/**
 * The agent a client key acts as. Only agent keys are taken: an admin key may act for any agent,
 * so a client holding one could pick another agent's policy. A key scoped to several agents names
 * one in the `Aegis-Agent` header — still only among its own.
 */
export async function identify(
  aegis: Aegis,
  header: string | string[] | undefined,
): Promise<Identity> {
  let who;
  try {
    who = await aegis.api.sdk.whoami.query();
  } catch (error) {
    const e = toAegisError(error);
    if (e.code === 'UNAVAILABLE')
      return { ok: false, status: 503, message: `${e.message}; no session without Aegis` };
    if (e.code === 'UNAUTHORIZED')
      return { ok: false, status: 401, message: 'Unknown or revoked Aegis key' };
    return { ok: false, status: 403, message: e.message };
  }
  if (who.role !== 'agent') {
    return {
      ok: false,
      status: 403,
      message: `The gateway takes agent keys only (this is ${who.role === 'admin' ? 'an' : 'a'} ${who.role} key)`,
    };
  }
  const agents = who.agents ?? [];
  const asked = typeof header === 'string' ? header : undefined;
  if (asked !== undefined) {
    if (!agents.includes(asked))
      return { ok: false, status: 403, message: `This key may not act for agent "${asked}"` };
    return { ok: true, agent: asked };
  }
  if (agents.length === 1) return { ok: true, agent: agents[0]! };
  return {
    ok: false,
    status: 400,
    message: `This key may act for ${agents.length} agents: name one in the Aegis-Agent header`,
  };
}

/**
 * One Aegis client per client key (each decision travels with the client's own key, so the server
 * checks it), kept only once the key proved valid, so unknown keys can't fill memory.
 */
export class KeyClients {
  private readonly clients = new Map<string, Aegis>();
  private readonly agents = new Set<string>();

  constructor(
    private readonly url: string | undefined,
    private readonly mode: AegisMode,
    private readonly log: (line: string) => void,
  ) {}

  /** Identifies the key and, the first time, makes sure its agent exists. */
  async open(
    key: string,
    header: string | string[] | undefined,
  ): Promise<{ ok: true; agent: string; aegis: Aegis } | Refused> {
    const id = createHash('sha256').update(key).digest('hex');
    const known = this.clients.get(id);
    const aegis =
      known ??
      createAegis({
        url: this.url,
        apiKey: key,
        mode: this.mode,
        onError: (error) =>
          this.log(`background: ${error instanceof Error ? error.message : String(error)}`),
      });
    const who = await identify(aegis, header);
    if (!who.ok) {
      if (!known) await aegis.close();
      return who;
    }
    this.clients.set(id, aegis);
    if (!this.agents.has(`${id}:${who.agent}`)) {
      await ensureAgent(aegis, who.agent, 'MCP gateway (aegis mcp serve)');
      this.agents.add(`${id}:${who.agent}`);
    }
    return { ...who, aegis };
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((a) => a.close()));
    this.clients.clear();
  }
}
