import type { ChangeFeed } from '../changeFeed';
import { randomId } from '../ids';
import { AegisUnavailableError } from '../errors';
import { evaluateResult, policyDlpFindings, resultRulesFor } from '@aegis/shared';
import type { LocalCallContext, LocalDecider, LocalVerdict } from '../guard';
import type { ResultRules } from '../results';
import type { AegisApi } from '../transport';
import type { LocalRecord, ToolMeta } from '../types';
import type { CallResult } from './items';
import { decideLocally, tagsOf } from './localPolicy';
import { TOO_LARGE, wireArgs } from './wireArgs';
import { RecordShipper } from './shipper';
import { SnapshotCache, type Entry } from './snapshots';
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
  private isStarted = false;

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
    this.started = this.shipper
      .start()
      .catch(options.onBackgroundError)
      .then(() => {
        this.isStarted = true;
      });
  }

  /**
   * Synchronous once the spool was read and the agent's snapshot is loaded (the usual call): no
   * promise is made. Otherwise it waits for those, as a promise.
   */
  decide(
    agent: string,
    action: string,
    args: Record<string, unknown>,
    callId: string,
    context: LocalCallContext = {},
  ): LocalVerdict | null | Promise<LocalVerdict | null> {
    const downFor = this.feed.downForMs();
    if (downFor > this.options.staleAfterMs) {
      throw new AegisUnavailableError(
        `Local policy snapshot is stale: the Aegis stream has been down for ${Math.round(downFor / 1000)} s`,
        { agent, action, callId },
      );
    }
    // Decided on what a strict call would send; too large to decide here: the server does.
    const wire = wireArgs(args);
    if (wire === TOO_LARGE) return null;
    const entry = this.isStarted ? this.cache.ready(agent) : undefined;
    if (entry) return this.decideWith(entry, agent, action, wire, callId, context);
    return this.decideLater(agent, action, wire, callId, context);
  }

  private async decideLater(
    agent: string,
    action: string,
    args: Record<string, unknown>,
    callId: string,
    context: LocalCallContext,
  ): Promise<LocalVerdict | null> {
    await this.started;
    const entry = await this.cache.get(agent);
    const verdict = this.decideWith(entry, agent, action, args, callId, context);
    return verdict instanceof Promise ? await verdict : verdict;
  }

  private decideWith(
    entry: Entry,
    agent: string,
    action: string,
    args: Record<string, unknown>,
    callId: string,
    context: LocalCallContext,
  ): LocalVerdict | null | Promise<null> {
    const decidedAt = new Date();
    const answer = decideLocally(entry, { agent, action, args, tool: context.tool }, decidedAt);
    if (answer.kind === 'server') {
      // history and session are read from the audit log: this process's own calls must be in it
      // before the server answers, or a sequence split across local and strict calls goes unseen.
      if (answer.why === 'server-state') return this.shipper.flush(true).then(() => null);
      return null;
    }
    const { verdict, reason, rule } = answer.decision;
    if (verdict === 'REVIEW') return null; // narrowed above; keeps the type honest
    const record: LocalRecord = {
      entryKey: randomId(),
      agent,
      action,
      status: verdict,
      details: reason,
      callId,
      args,
      decidedAt: decidedAt.toISOString(),
      policyVersion: entry.version,
    };
    if (rule) record.rule = rule;
    if (context.runId) record.runId = context.runId;
    if (context.tool) record.tool = context.tool;
    if (context.channel) record.channel = context.channel;
    if (context.upstream) record.upstream = context.upstream;
    if (context.upstreamTool) record.upstreamTool = context.upstreamTool;
    if (answer.maskedArgs) record.argsRedacted = true;
    this.shipper.push(record);
    const decided: LocalVerdict = { verdict, reason, policyVersion: entry.version, rule };
    if (answer.maskedArgs) decided.args = answer.maskedArgs;
    return decided;
  }

  /**
   * The on: result rules of the agent's snapshot for this action: evaluated here, in-process,
   * seeing the call's tool as its decision did (its tags and those the manifest declares).
   */
  resultRules(agent: string, action: string, tool?: ToolMeta): ResultRules | undefined {
    const entry = this.cache.peek(agent);
    const policy = entry?.resultPolicy;
    if (!entry || !policy || resultRulesFor(policy, { name: agent }, action).length === 0) return undefined;
    const seen = { tags: tagsOf(entry, { action, tool }), description: tool?.description ?? '' };
    return {
      detectors: policy.detectors,
      judge: (findings) =>
        evaluateResult(
          policy,
          { agent: { name: agent }, action, tool: seen },
          { facts: { dlp: policyDlpFindings(findings), dlpTruncated: findings.truncated === true } },
        ),
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
