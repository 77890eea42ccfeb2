import type { Socket } from 'node:net';
import type { Aegis } from '../client';

/** A tunnel the proxy cut (kill-switch, lifetime, Aegis unreachable); its call records this. */
export class TunnelCutError extends Error {
  override name = 'TunnelCutError';
}

/** While tunnels are open the agent's status is also asked this often, in case the feed is down. */
const CHECK_EVERY_MS = 5_000;

export interface TunnelOptions {
  aegis: Aegis;
  agent: string;
  /** `maxTunnelSeconds`: a tunnel is decided once, so it doesn't outlive this. */
  maxSeconds: number;
  log: (line: string) => void;
}

/**
 * The proxy's open CONNECT tunnels. A tunnel is decided once, when it opens; what travels inside
 * is never decided again, so the kill-switch has to reach it another way: while any tunnel is
 * open the proxy listens to the server's change feed (`agent.status` → PAUSED cuts every tunnel
 * at once) and, as a backstop for a feed that dropped or missed the event, asks the agent's
 * status every few seconds — an answer other than ACTIVE, or no answer, cuts them (fail closed).
 */
export class Tunnels {
  private readonly open = new Map<Socket, (reason?: string) => void>();
  private stopWatching: (() => void) | null = null;

  constructor(private readonly o: TunnelOptions) {}

  /**
   * Pipes the agent's socket and the upstream together until either side closes (resolves) or
   * the proxy cuts the tunnel (rejects with {@link TunnelCutError}, so the call's audit entry says
   * why it ended).
   */
  carry(client: Socket, upstream: Socket): Promise<void> {
    this.watch();
    return new Promise((resolve, reject) => {
      let done = false;
      const end = (cut?: string) => {
        if (done) return;
        done = true;
        clearTimeout(lifetime);
        this.open.delete(client);
        client.destroy();
        upstream.destroy();
        if (this.open.size === 0) this.unwatch();
        if (cut) reject(new TunnelCutError(`The tunnel was cut: ${cut}`));
        else resolve();
      };
      const lifetime = setTimeout(
        () => end(`it reached its ${this.o.maxSeconds}-second lifetime (maxTunnelSeconds)`),
        this.o.maxSeconds * 1000,
      );
      lifetime.unref();
      this.open.set(client, end);
      client.once('close', () => end());
      upstream.once('close', () => end());
      upstream.on('error', () => end());
      upstream.pipe(client);
      client.pipe(upstream);
      // The agent may have hung up while the tunnel waited for its decision.
      if (client.destroyed || upstream.destroyed) end();
    });
  }

  /** Cuts every open tunnel, e.g. when the proxy stops or the agent is paused. */
  cutAll(reason: string): void {
    if (this.open.size === 0) return;
    this.o.log(`cutting ${this.open.size} open tunnel(s): ${reason}`);
    for (const end of [...this.open.values()]) end(reason);
  }

  private watch(): void {
    if (this.stopWatching) return;
    const { aegis, agent } = this.o;
    const off = aegis.onChange((event) => {
      if (event.type === 'agent.status' && event.agent === agent && event.status !== 'ACTIVE')
        this.cutAll(`"${agent}" was paused by the Aegis kill-switch`);
    });
    const timer = setInterval(() => void this.check(), CHECK_EVERY_MS);
    timer.unref();
    this.stopWatching = () => {
      off();
      clearInterval(timer);
    };
  }

  private unwatch(): void {
    this.stopWatching?.();
    this.stopWatching = null;
  }

  private async check(): Promise<void> {
    const { aegis, agent } = this.o;
    let status: string | null;
    try {
      status = (await aegis.api.sdk.agentStatus.query({ name: agent })).status;
    } catch (error) {
      this.cutAll(
        `Aegis could not confirm that "${agent}" is active (${(error as Error).message})`,
      );
      return;
    }
    if (status !== 'ACTIVE') this.cutAll(`"${agent}" is ${status ?? 'unknown'} in Aegis`);
  }
}
