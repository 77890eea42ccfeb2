import { AsyncLocalStorage } from 'node:async_hooks';
import { AegisError } from './errors';

/** What a running piece of code knows about whom it acts for. */
export interface AgentScope {
  /** The agent whose policy applies to guarded calls made inside the scope. */
  agent: string;
  /** The client a handle's `run()` bound; lets the top-level `monitor()` find it. */
  client?: unknown;
}

// One store for the whole process, like Python's contextvars: a tool defined once at module level
// sees whichever agent is running it, and concurrent runs under different agents don't mix.
const storage = new AsyncLocalStorage<AgentScope>();

/**
 * Runs `fn` as agent `name`: every guarded call inside it — however deep, across awaits, timers
 * and promises — is decided by that agent's policy. The counterpart of the seed's
 * `with agent_context(name):`.
 *
 * @example
 * ```ts
 * const lookup = aegis.monitor(async (id: number) => db.balance(id), { action: 'lookup_balance' });
 * await agentContext('support', () => lookup(42)); // decided by support's policy
 * await agentContext('fraud', () => lookup(42));   // … and by fraud's
 * ```
 */
export function agentContext<T>(name: string, fn: () => T): T {
  if (!name) throw new AegisError('NO_AGENT', 'agentContext() needs an agent name');
  return storage.run({ agent: name }, fn);
}

/** Runs `fn` in a scope that also carries the client (used by `AgentHandle.run`). */
export function runInScope<T>(scope: AgentScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/** The agent of the current async context, or undefined outside any. */
export function currentAgent(): string | undefined {
  return storage.getStore()?.agent;
}

/** The whole current scope (agent and bound client), or undefined. */
export function currentScope(): AgentScope | undefined {
  return storage.getStore();
}

/**
 * The agent a guarded call acts for: the explicit one, else the current context's. No agent
 * anywhere is a programming error, reported clearly rather than guessed.
 */
export function resolveAgent(explicit: string | undefined, action: string): string {
  const agent = explicit ?? currentAgent();
  if (!agent) {
    throw new AegisError(
      'NO_AGENT',
      `No agent for "${action}": call it inside agentContext(name, fn) or handle.run(fn), or pass { agent } to monitor()`,
      { action },
    );
  }
  return agent;
}
