import { join } from 'node:path';
import type { ChangeEvent } from '@aegis/shared';
import { AgentHandle, type AgentOptions } from './agent';
import { actionNameOf, argsObject, valuesFromArgs } from './args';
import { ChangeFeed } from './changeFeed';
import { CompletionReporter } from './completions';
import { currentScope, resolveAgent } from './context';
import { AegisBlockedError, AegisError } from './errors';
import { DEFAULT_APPROVAL_TIMEOUT_MS, guardCall, type GuardRuntime } from './guard';
import { dataDir, resolveApiKey, resolveUrl } from './config';
import { LocalEngine } from './local/localEngine';
import { closeTransport, createTransport, type AegisApi } from './transport';
import type { AegisMode, CallOptions, DecisionHook, FailMode } from './types';

/** Options of {@link createAegis}. */
export interface AegisOptions {
  /** Server base URL. @defaultValue `AEGIS_URL`, else `http://127.0.0.1:8000` */
  url?: string;
  /** API key (agent key or admin key). @defaultValue `AEGIS_API_KEY`, else `<AEGIS_DATA_DIR or ./.aegis>/admin.key` */
  apiKey?: string;
  /** `strict`: the server decides every call; `local`: decide in-process from a pushed snapshot. @defaultValue 'strict' */
  mode?: AegisMode;
  /** When Aegis is unreachable: refuse (`closed`) or run the tool unguarded (`open`). @defaultValue 'closed' */
  failMode?: FailMode;
  /** Called for every decision; may return an error to throw instead of a refusal. */
  onDecision?: DecisionHook;
  /** Local mode fails closed once its snapshot stream has been down this long. @defaultValue 30_000 */
  staleAfterMs?: number;
  /** Local mode's durable spool for records the server could not take. @defaultValue `<data dir>/sdk-spool.jsonl` */
  spoolPath?: string;
  /** Default wait for a human decision. @defaultValue 300_000 (5 minutes) */
  approvalTimeoutMs?: number;
  /** A request slower than this counts as "server unreachable". @defaultValue 10_000 */
  requestTimeoutMs?: number;
  /** Local mode: ship records at least this often. @defaultValue 100 */
  flushIntervalMs?: number;
  /** Errors that happen in the background (outcome reports, stream errors). @defaultValue console.warn */
  onError?: (error: unknown) => void;
}

/** Options of {@link Aegis.monitor}. */
export interface MonitorOptions<A extends unknown[]> extends CallOptions {
  /** Action name. @defaultValue the function's name */
  action?: string;
  /** Agent to act as. @defaultValue the agent of the current `agentContext` / `handle.run` */
  agent?: string;
  /** How the function's arguments become the recorded JSON object. @defaultValue one object argument as is, else `{ args: [...] }` */
  argsOf?: (...args: A) => Record<string, unknown>;
}

/** A guarded function: same arguments, always async. */
export type Guarded<A extends unknown[], R> = (...args: A) => Promise<Awaited<R>>;

/**
 * The Aegis client: registers agents, decides and records their tool calls, waits for humans.
 * Create it with {@link createAegis}.
 */
export class Aegis {
  /** The typed tRPC client, for anything the SDK does not wrap. */
  readonly api: AegisApi;
  readonly url: string;
  readonly mode: AegisMode;
  readonly failMode: FailMode;
  private readonly feed: ChangeFeed;
  private readonly completions: CompletionReporter;
  private readonly local: LocalEngine | undefined;
  private readonly handles = new Map<string, AgentHandle>();
  private readonly runtime: GuardRuntime;

  constructor(options: AegisOptions = {}) {
    this.url = resolveUrl(options.url);
    const apiKey = resolveApiKey(options.apiKey);
    if (!apiKey) {
      throw new AegisError(
        'UNAUTHORIZED',
        'No Aegis API key: pass apiKey, set AEGIS_API_KEY, or start the server once so it writes .aegis/admin.key',
      );
    }
    this.mode = options.mode ?? 'strict';
    this.failMode = options.failMode ?? 'closed';
    const onBackgroundError =
      options.onError ??
      ((error: unknown) => console.warn('[aegis]', error instanceof Error ? error.message : error));
    this.api = createTransport({
      url: this.url,
      apiKey,
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    });
    this.feed = new ChangeFeed(this.api, onBackgroundError);
    this.completions = new CompletionReporter(this.api, onBackgroundError);
    this.local =
      this.mode === 'local'
        ? new LocalEngine(this.api, this.feed, {
            staleAfterMs: options.staleAfterMs ?? 30_000,
            spoolPath: options.spoolPath ?? join(dataDir(), 'sdk-spool.jsonl'),
            flushIntervalMs: options.flushIntervalMs,
            onBackgroundError,
          })
        : undefined;
    this.runtime = {
      api: this.api,
      feed: this.feed,
      completions: this.completions,
      onDecision: options.onDecision,
      onBackgroundError,
      defaultTimeoutMs: options.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
      local: this.local,
      prepare: (agent) => this.handles.get(agent)?.registered(),
      failModeFor: (agent) => this.handles.get(agent)?.failMode ?? this.failMode,
    };
  }

  /**
   * Declares an agent and its policy. Registration (idempotent) starts at once; every guarded
   * call waits for it. Returns the handle to run code as this agent and guard its tools.
   *
   * @example
   * ```ts
   * const support = aegis.agent('support', { owner: 'alice', allows: ['lookup_balance'], blocks: ['delete_records'] });
   * await support.run(() => lookupBalance({ customerId: 42 }));
   * ```
   */
  agent(name: string, options: AgentOptions = {}): AgentHandle {
    const handle = new AgentHandle(this, name, options);
    this.handles.set(name, handle);
    // Start early; a failure resurfaces (and is retried) on the first call.
    handle.register().catch(() => undefined);
    return handle;
  }

  /**
   * Wraps a sync or async function with the firewall. The agent is resolved at call time (from
   * `options.agent` or the current `agentContext`), so one shared tool serves many agents.
   *
   * @example
   * ```ts
   * const deleteRecords = aegis.monitor(async (table: string) => db.drop(table), { action: 'delete_records' });
   * await agentContext('support', () => deleteRecords('tmp')); // throws AegisBlockedError; never runs
   * ```
   */
  monitor<A extends unknown[], R>(
    fn: (...args: A) => R,
    options: MonitorOptions<A> = {},
  ): Guarded<A, R> {
    const action = actionNameOf(fn, options.action);
    const { agent: explicit, argsOf, ...callOptions } = options;
    return async (...args: A): Promise<Awaited<R>> => {
      const agent = resolveAgent(explicit, action);
      const recorded = argsOf ? argsOf(...args) : argsObject(args);
      return this.call(
        agent,
        action,
        recorded,
        (runWith) => {
          // A REDACT rule masked the arguments: the function gets the masked values.
          const values = argsOf && runWith !== recorded ? undefined : valuesFromArgs(args, recorded, runWith);
          if (!values) {
            throw new AegisBlockedError(
              `Aegis masked the arguments of "${action}", but they can't be handed back through argsOf; not run`,
              { agent, action },
            );
          }
          return fn(...(values as A));
        },
        callOptions,
      );
    };
  }

  /** The decision path for one call, for integrations that already know agent, action and args. */
  call<T>(
    agent: string,
    action: string,
    args: Record<string, unknown>,
    run: (args: Record<string, unknown>) => T,
    options: CallOptions = {},
  ): Promise<Awaited<T>> {
    return guardCall<Awaited<T>>(this.runtime, {
      agent,
      action,
      args,
      run: run as (args: Record<string, unknown>) => Promise<Awaited<T>>,
      options,
    });
  }

  /** Listens to the server's change events (approvals, kill-switches, policies) until unsubscribed. */
  onChange(listener: (event: ChangeEvent) => void): () => void {
    const off = this.feed.on(listener);
    const release = this.feed.acquire();
    return () => {
      off();
      release();
    };
  }

  /**
   * Resolves once the server's change stream is live — local mode holds it open from the start;
   * otherwise register an `onChange` listener first. Events from before that moment are not
   * replayed to listeners (the SDK re-reads the state it needs itself).
   */
  whenLive(): Promise<void> {
    return this.feed.whenConnected();
  }

  /** Local mode: ship queued records now. Both modes: wait for outstanding outcome reports. */
  async flush(): Promise<void> {
    await this.local?.flush();
    await this.completions.flush();
  }

  /** Flushes, then closes streams so the process can exit. Records the server could not take stay spooled. */
  async close(): Promise<void> {
    await this.local?.close();
    await this.completions.flush();
    this.feed.close();
    closeTransport(this.api);
  }
}

/**
 * Creates an Aegis client.
 *
 * @example
 * ```ts
 * const aegis = createAegis(); // AEGIS_URL / AEGIS_API_KEY, or the local server's admin.key
 * const aegis = createAegis({ url: 'http://aegis:8000', apiKey: process.env.AGENT_KEY, mode: 'local' });
 * ```
 */
export function createAegis(options: AegisOptions = {}): Aegis {
  return new Aegis(options);
}

/**
 * Top-level `monitor`: like {@link Aegis.monitor}, but finds the client at call time from the
 * enclosing `handle.run()` (or `options.aegis`), so tools can be declared before any client exists.
 */
export function monitor<A extends unknown[], R>(
  fn: (...args: A) => R,
  options: MonitorOptions<A> & { aegis?: Aegis } = {},
): Guarded<A, R> {
  const action = actionNameOf(fn, options.action);
  const { aegis, ...rest } = options;
  return (...args: A) => {
    const scoped = currentScope()?.client;
    const client = aegis ?? (scoped instanceof Aegis ? scoped : undefined);
    if (!client) {
      return Promise.reject(
        new AegisError(
          'NO_AGENT',
          `No Aegis client for "${action}": call it inside handle.run(fn), or pass { aegis } to monitor()`,
          { action },
        ),
      );
    }
    return client.monitor(fn, { ...rest, action })(...args);
  };
}
