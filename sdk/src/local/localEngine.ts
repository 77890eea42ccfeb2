import { randomBytes } from 'node:crypto';
import type { ChangeFeed } from '../changeFeed';
import { AegisUnavailableError } from '../errors';
import { evaluateResult, policyDlpFindings, resultRulesFor } from '@aegis/shared';
import type { LocalCallContext, LocalDecider, LocalVerdict } from '../guard';
import type { ResultRules } from '../results';
import type { AegisApi } from '../transport';
import type { CallResult } from './items';
import { decideLocally } from './localPolicy';
import { RecordShipper } from './shipper';
import { SnapshotCache } from './snapshots';
import { Spool } from './spool';

export interface LocalEngineOptions {
  /** Fail closed once the snapshot stream has been down this long. */
  staleAfterMs: number;
  spoolPath: string;
  flushIntervalMs?: number;
  maxBatch?: number;
  onBackgroundError: (error: unknown) => void;
}

/**
 * Local mode: decisions from a pushed snapshot, in-process, shipped in batches together with the
 * calls' outcomes. REVIEW still goes to the server (a human has to see it), and so does anything
 * once the snapshot is stale.
 */
export class LocalEngine implements LocalDecider {
  readonly cache: SnapshotCache;
  readonly shipper: RecordShipper;
  private readonly cleanups: Array<() => void> = [];
  private readonly started: Promise<void>;

  constructor(
    api: AegisApi,
    private readonly feed: ChangeFeed,
    private readonly options: LocalEngineOptions,
  ) {
    this.cache = new SnapshotCache(api, options.onBackgroundError);
    this.shipper = new RecordShipper(api, new Spool(options.spoolPath), {
      intervalMs: options.flushIntervalMs,
      maxBatch: options.maxBatch,
      onBackgroundError: options.onBackgroundError,
    });
    // Registered before any user listener, so the snapshot is updated by the time they hear of it.
    this.cleanups.push(feed.on((event) => this.cache.apply(event)));
    this.cleanups.push(
      feed.onStarted(() => {
        this.cache.refreshAll();
        if (this.shipper.hasSpooled) void this.shipper.flush(true);
      }),
    );
    this.cleanups.push(feed.acquire());
    this.started = this.shipper.start().catch(options.onBackgroundError);
  }

  async decide(
    agent: string,
    action: string,
    args: Record<string, unknown>,
    callId: string,
    context: LocalCallContext = {},
  ): Promise<LocalVerdict | null> {
    const downFor = this.feed.downForMs();
    if (downFor > this.options.staleAfterMs) {
      throw new AegisUnavailableError(
        `Local policy snapshot is stale: the Aegis stream has been down for ${Math.round(downFor / 1000)} s`,
        { agent, action, callId },
      );
    }
    await this.started;
    const entry = await this.cache.get(agent);
    const decidedAt = new Date();
    const answer = decideLocally(entry, { agent, action, args, tool: context.tool }, decidedAt);
    if (answer.kind === 'server') {
      // history and session are read from the audit log: this process's own calls must be in it
      // before the server answers, or a sequence split across local and strict calls goes unseen.
      if (answer.why === 'server-state') await this.shipper.flush(true);
      return null;
    }
    const { verdict, reason, rule } = answer.decision;
    if (verdict === 'REVIEW') return null; // narrowed above; keeps the type honest
    this.shipper.push({
      entryKey: randomBytes(16).toString('base64url'),
      agent,
      action,
      status: verdict,
      details: reason,
      callId,
      args,
      decidedAt: decidedAt.toISOString(),
      policyVersion: entry.version,
      ...(rule ? { rule } : {}),
      ...(context.runId ? { runId: context.runId } : {}),
      ...(context.tool ? { tool: context.tool } : {}),
      ...(context.channel ? { channel: context.channel } : {}),
      ...(answer.maskedArgs ? { argsRedacted: true as const } : {}),
    });
    return { verdict, reason, policyVersion: entry.version, rule, ...(answer.maskedArgs ? { args: answer.maskedArgs } : {}) };
  }

  /** The on: result rules of the agent's snapshot for this action: evaluated here, in-process. */
  resultRules(agent: string, action: string): ResultRules | undefined {
    const policy = this.cache.peek(agent)?.resultPolicy;
    if (!policy || resultRulesFor(policy, { name: agent }, action).length === 0) return undefined;
    return {
      detectors: policy.detectors,
      judge: (findings) =>
        evaluateResult(policy, { agent: { name: agent }, action }, { facts: { dlp: policyDlpFindings(findings) } }),
    };
  }

  complete(callId: string, result: CallResult): void {
    this.shipper.complete(callId, result);
  }

  /** Ships what is queued now (tests and shutdown). */
  flush(): Promise<void> {
    return this.shipper.flush(true);
  }

  async close(): Promise<void> {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    await this.shipper.close();
  }
}
