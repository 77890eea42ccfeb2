import type { IncomingHttpHeaders } from 'node:http';
import type { Request, Response } from 'express';
import type { AuditChainHeads, AuditOutcomesReport, Principal, Role } from '@aegis/shared';

/** Sets a header on the response being prepared (ignored once it has been sent). */
export type SetResponseHeader = (name: string, value: string) => void;

export interface ApiKeyInfo {
  id: string;
  name: string;
  role: Role;
  agents: string[] | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface AuditVerifyResult {
  ok: boolean;
  checked: number;
  /**
   * The first entry whose link is broken, or whose outcome or arguments no longer match what was
   * sealed, and why. `outcomeRecord`: the broken link is that record of the outcome chain.
   */
  firstBad: { id: number; reason: string; outcomeRecord?: number } | null;
  /** What was found of the entries' outcomes and arguments (see verifyOutcomes.ts). */
  outcomes: OutcomeVerifyReport;
  /** Both chains' heads as walked; only on an intact result (a broken chain has no head to pin). */
  heads?: AuditChainHeads;
}

/** How entries' outcomes (and stored arguments) stand against what was sealed (see verifyOutcomes.ts). */
export type OutcomeVerifyReport = AuditOutcomesReport;

/**
 * Authentication and key management. Keys are random (≥ 128 bits) and stored only as hashes;
 * the plaintext is returned once, by create().
 */
export interface AuthService {
  /** From `Authorization: Bearer`, HTTP Basic (key as password) or the dashboard session cookie. */
  resolvePrincipal(req: { headers: IncomingHttpHeaders }): Promise<Principal | null>;
  /** Exchanges a one-time login token or an API key for a dashboard session (sets cookies on res). */
  login(
    input: { token?: string; key?: string },
    req: Request | undefined,
    res: Response | undefined,
  ): Promise<Principal>;
  /**
   * Ends the request's session and clears its cookies; with `everywhereFor` (a key id), every
   * dashboard session opened with that key, on every server. Answers how many sessions ended.
   */
  logout(
    req: Request | undefined,
    res: Response | undefined,
    everywhereFor?: string,
  ): Promise<number>;
  createKey(
    input: { name: string; role: Role; agents: string[] | null },
    actor: Principal,
  ): Promise<{ key: string; info: ApiKeyInfo }>;
  listKeys(): Promise<ApiKeyInfo[]>;
  revokeKey(id: string, actor: Principal): Promise<ApiKeyInfo>;
  verifyAudit(): Promise<AuditVerifyResult>;
  /**
   * Per-principal rate limit of sdk.decide: throws TOO_MANY_REQUESTS (HTTP 429) and sets
   * Retry-After through `setHeader` when exceeded. Optional so test doubles need not implement it.
   */
  limitDecide?(principal: Principal, setHeader?: SetResponseHeader): void;
  /** The same for policy trials (policies.tryCall, POST /policy-documents/try). */
  limitTrials?(principal: Principal, setHeader?: SetResponseHeader): void;
  /** The same for agents' reports (sdk.log, /sdk/log, sdk.recordBatch): `count` entries at once. */
  limitReports?(principal: Principal, count: number, setHeader?: SetResponseHeader): void;
}

/** Who created the first admin key (`createdBy`); a unique index lets one key in a database have it. */
export const BOOTSTRAP_CREATOR = 'bootstrap';
