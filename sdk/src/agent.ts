import type { Aegis, Guarded, MonitorOptions } from './client';
import { runInScope } from './context';
import type { CallOptions, FailMode, RegisterAgentRequest, RegisteredAgent, ToolDeclarationInput } from './types';

/** Options of `aegis.agent(name, options)`: the registration fields of the contract, plus a fail mode. */
export interface AgentOptions extends Omit<RegisterAgentRequest, 'name'> {
  /**
   * What this agent's calls do when Aegis is unreachable. Only an explicit `'open'` runs tools
   * unguarded. @defaultValue the client's failMode ('closed')
   */
  failMode?: FailMode;
}

/**
 * One registered agent: run code as it, guard its functions. Obtained from
 * `aegis.agent(name, options)`; LangChain tools are guarded for it with
 * `wrapTools(handle, tools)` from `@aegis/sdk/langchain`, which keeps LangChain out of the core.
 */
export class AgentHandle {
  private registration: Promise<RegisteredAgent> | null = null;
  private isRegistered = false;

  constructor(
    /** The client this agent belongs to. */
    readonly aegis: Aegis,
    readonly name: string,
    readonly options: AgentOptions,
  ) {}

  /** The fail mode of this agent's calls. */
  get failMode(): FailMode {
    return this.options.failMode ?? this.aegis.failMode;
  }

  /** Registers the agent and its policy (idempotent); retried on the next call if it failed. */
  register(): Promise<RegisteredAgent> {
    if (!this.registration) {
      const { failMode: _failMode, ...fields } = this.options;
      this.registration = this.aegis.api.sdk.registerAgent.mutate({
        framework: 'typescript',
        ...fields,
        name: this.name,
      });
      this.registration.then(
        () => {
          this.isRegistered = true;
        },
        () => {
          this.registration = null;
        },
      );
    }
    return this.registration;
  }

  /**
   * What a guarded call waits for before it is decided: nothing once the agent is registered
   * (every later call), else the registration (started again if it failed).
   */
  registered(): Promise<RegisteredAgent> | undefined {
    return this.isRegistered ? undefined : this.register();
  }

  /**
   * Adds tools to this agent's declaration (its manifest): name, description, argument JSON
   * Schema, tags and data categories. `wrapTools` calls it with what it reads from the tools; tags
   * given at registration are kept. Resolves once the server has them.
   *
   * @example
   * ```ts
   * await support.declareTools([{ name: 'delete_records', tags: ['destructive'] }]);
   * ```
   */
  declareTools(tools: ToolDeclarationInput[]): Promise<void> {
    if (tools.length === 0) return Promise.resolve();
    this.declaring = this.declaring
      .catch(() => undefined)
      .then(() => this.register())
      .then(() => this.aegis.api.manifests.declareTools.mutate({ agent: this.name, tools }))
      .then(() => undefined);
    return this.declaring;
  }
  private declaring: Promise<void> = Promise.resolve();

  /**
   * Runs `fn` as this agent: guarded calls inside it (e.g. shared tools made with `monitor`) use
   * this agent's policy.
   *
   * @example
   * ```ts
   * await support.run(async () => { await lookupBalance({ customerId: 1 }); });
   * ```
   */
  run<T>(fn: () => T): T {
    return runInScope({ agent: this.name, client: this.aegis }, fn);
  }

  /**
   * Wraps a function so every call is decided for this agent.
   *
   * @example
   * ```ts
   * const refund = support.guard(async (o: { orderId: string }) => pay(o), { action: 'issue_refund' });
   * ```
   */
  guard<A extends unknown[], R>(
    fn: (...args: A) => R,
    options: Omit<MonitorOptions<A>, 'agent'> = {},
  ): Guarded<A, R> {
    return this.aegis.monitor(fn, { ...options, agent: this.name });
  }

  /** Decides one call for this agent and runs `run` if allowed. */
  call<T>(
    action: string,
    args: Record<string, unknown>,
    run: (args: Record<string, unknown>) => T,
    options?: CallOptions,
  ): Promise<Awaited<T>> {
    return this.aegis.call(this.name, action, args, run, options);
  }
}
