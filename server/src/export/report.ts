import type { AgentManifest, PolicyVersionInfo, Severity4, Violation } from '@aegis/shared';
import { HASHED_AUDIT_FIELDS, OPTIONAL_HASHED_AUDIT_FIELDS, SEVERITY_ORDER } from '@aegis/shared';
import type { ExportApproval, ExportRange, ExportRow } from '../data/repos/export.repo';

/** Everything a compliance export holds besides the audit trail, which is streamed. */
export interface ReportHead {
  title: string;
  generatedAt: string;
  generatedBy: string;
  range: { from: string; to: string };
  agents: string[];
  chain: {
    ok: boolean;
    checked: number;
    firstBad: { id: number; reason: string } | null;
    headId: number | null;
    headHash: string | null;
  };
  auditEntries: number;
  verification: TrailVerification;
  factSheets: FactSheet[];
  manifests: AgentManifest[];
  policies: Array<{ agent: string | null; versions: PolicyVersionInfo[] }>;
  violations: Violation[];
  approvals: ExportApproval[];
  peopleActions: ExportRow[];
  controls: ControlRow[];
  disclaimer: string;
}

/**
 * How the trail can be checked offline (`aegis audit verify --file`), stated in the report so an
 * auditor needs nothing else. Written before the trail, so a streaming reader knows it first.
 */
export interface TrailVerification {
  hash: string;
  hashedFields: string[];
  hashedWhenSet: string[];
  notHashed: string[];
  /** How outcomes are sealed: each trail entry's `outcomeRecord` and what it is checked against. */
  outcomes: string;
  /**
   * null: every agent's entries (and people's actions), so the trail is one unbroken stretch of
   * the chain and a missing entry shows. A list: only these agents' entries; the links across
   * the other agents' entries between them cannot be checked from this file.
   */
  agentFilter: string[] | null;
  /**
   * The outcome chain's newest record when the report was written (null: none yet). The chain
   * head (`chain.headHash`) pins the entries; this pins the outcome records, whose newest ones
   * could otherwise be cut off unseen — nothing follows them to link. An auditor compares it to
   * the one `aegis audit verify` printed (`--outcome-head`).
   */
  outcomeHead: { id: number | null; hash: string | null };
}

export function trailVerification(
  agentFilter: string[] | null,
  outcomeHead: { id: number; hash: string } | null = null,
): TrailVerification {
  return {
    hash: "sha256, hex, of the canonical JSON (keys sorted, no whitespace) of the hashed fields; prevHash is the previous entry's hash",
    hashedFields: [...HASHED_AUDIT_FIELDS],
    hashedWhenSet: [...OPTIONAL_HASHED_AUDIT_FIELDS],
    notHashed: ['outcome', 'durationMs', 'result findings', 'resultEffect'],
    outcomes:
      "not in the entry's hash (written after the call ran): sealed instead by the entry's outcomeRecord, a link of the outcome chain whose hash (sha256 of the canonical JSON of id, entryId, entryHash, outcome, durationMs, resultFindings, resultEffect, timestamp, prevHash) names the entry's hash; the entry's outcome must equal the record's, and records with consecutive ids link by prevHash. A record with recovered: true (hashed) was sealed on recovery, after the server stopped between recording the outcome and sealing it. Entries with outcomeSealed but an outcome and no record were not sealed yet when the report was written (or their record was removed: the server's own verification, in the chain section, fails those that no pending seal explains); entries without outcomeSealed predate sealing",
    agentFilter,
    outcomeHead: { id: outcomeHead?.id ?? null, hash: outcomeHead?.hash ?? null },
  };
}

export interface FactSheet {
  agent: string;
  owner: string;
  team: string;
  status: string;
  model: string;
  framework: string;
  tools: number;
  calls: number;
  blocked: number;
  dataSeen: string[];
  openViolations: Record<Severity4, number>;
  lastSeen: string | null;
}

export interface ControlRow {
  section: string;
  soc2: string[];
  gdpr: string[];
  hipaa: string[];
}

export const DISCLAIMER =
  'Control mappings are guidance to help reviewers find evidence; they are not a certification or an audit opinion.';

/** Which report sections give evidence for which control families (guidance). */
export const SECTION_CONTROLS: ControlRow[] = [
  {
    section: 'Audit trail and chain verification',
    soc2: ['CC7.2', 'CC7.3', 'CC4.1'],
    gdpr: ['Art. 30', 'Art. 5(2)'],
    hipaa: ['164.312(b)', '164.312(c)(1)'],
  },
  {
    section: 'Agent manifests and fact sheets',
    soc2: ['CC6.1', 'CC3.2'],
    gdpr: ['Art. 30', 'Art. 35'],
    hipaa: ['164.308(a)(1)(ii)(A)'],
  },
  {
    section: 'Policies and their history',
    soc2: ['CC8.1', 'CC6.3'],
    gdpr: ['Art. 25', 'Art. 32'],
    hipaa: ['164.316(b)(1)'],
  },
  {
    section: 'Approvals and their deciders',
    soc2: ['CC6.1', 'CC8.1'],
    gdpr: ['Art. 22', 'Art. 32'],
    hipaa: ['164.308(a)(4)', '164.312(a)(1)'],
  },
  {
    section: "People's actions",
    soc2: ['CC6.2', 'CC7.4'],
    gdpr: ['Art. 5(2)'],
    hipaa: ['164.308(a)(5)(ii)(C)'],
  },
];

export function factSheet(m: AgentManifest, violations: Violation[]): FactSheet {
  const open = Object.fromEntries(SEVERITY_ORDER.map((s) => [s, 0])) as Record<Severity4, number>;
  for (const v of violations)
    if (v.agent === m.agent.name && v.status === 'OPEN' && !v.acknowledged) open[v.severity]++;
  return {
    agent: m.agent.name,
    owner: m.agent.owner,
    team: m.agent.team,
    status: m.agent.status,
    model: m.agent.model,
    framework: m.agent.framework,
    tools: m.tools.length,
    calls: m.tools.reduce((n, t) => n + t.calls, 0),
    blocked: m.tools.reduce((n, t) => n + (t.byStatus.BLOCKED ?? 0), 0),
    dataSeen: m.dataCategories.seen,
    openViolations: open,
    lastSeen: m.lastSeen,
  };
}

export type { ExportRange, ExportRow };
