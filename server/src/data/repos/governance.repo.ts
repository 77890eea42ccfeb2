import type { Model } from 'mongoose';
import type { AgentDeclaration, GovernanceFinding, GovernanceRule } from '@aegis/shared';
import { findingKey } from '@aegis/shared';
import type { DeclarationDoc } from '../models/declaration.model';
import type { GovernanceRuleDoc, ViolationAck, ViolationDoc } from '../models/governance.model';

/**
 * Violations read or written per round trip. The embedded store runs each command in the server's
 * own thread, and every request waits behind it: 205 updates in one bulk write took it 33–84 ms
 * on a loaded machine, and a thousand agents' evaluation may write thousands.
 */
const WRITE_BATCH = 250;

/** Agent declarations, people's governance rules and the violations they raise. */
export function createGovernanceRepo(models: {
  declarations: Model<DeclarationDoc>;
  rules: Model<GovernanceRuleDoc>;
  violations: Model<ViolationDoc>;
}) {
  const { declarations, rules, violations } = models;
  return {
    declarationOf: (agent: string) => declarations.findOne({ agent }).lean<DeclarationDoc | null>(),
    allDeclarations: () => declarations.find({}).lean<DeclarationDoc[]>(),
    saveDeclaration: (agent: string, declaration: AgentDeclaration) =>
      declarations.updateOne(
        { agent },
        { $set: { declaration, updatedAt: new Date() } },
        { upsert: true },
      ),

    customRules: () => rules.find({}).sort({ id: 1 }).lean<GovernanceRuleDoc[]>(),
    saveRule: (rule: GovernanceRule, appliedBy: string) =>
      rules.updateOne(
        { id: rule.id },
        { $set: { rule, appliedBy, updatedAt: new Date() } },
        { upsert: true },
      ),

    list: (
      filter: { status?: string; severity?: string; agent?: string; ruleId?: string },
      limit: number,
    ) =>
      violations
        .find(Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined)))
        .sort({ lastSeen: -1 })
        .limit(limit)
        .lean<ViolationDoc[]>(),
    byKey: (key: string) => violations.findOne({ key }).lean<ViolationDoc | null>(),
    /** Open violations of these agents (all agents when omitted). */
    open: (agents?: string[]) =>
      violations
        .find({ status: 'OPEN', ...(agents ? { agent: { $in: agents } } : {}) })
        .lean<ViolationDoc[]>(),

    /**
     * Records this evaluation: findings open (or stay open, lastSeen moves), open violations of
     * the evaluated agents that were not found are resolved. Idempotent, so servers sharing the
     * database may evaluate at the same time. Returns how many opened and resolved.
     */
    async record(findings: GovernanceFinding[], agents: string[] | undefined, at: Date) {
      const current = await violations
        .find(
          { ...(agents ? { agent: { $in: agents } } : {}) },
          { _id: 0, key: 1, status: 1, lastSeen: 1 },
        )
        .batchSize(WRITE_BATCH)
        .lean<Array<Pick<ViolationDoc, 'key' | 'status' | 'lastSeen'>>>();
      const status = new Map(current.map((v) => [v.key, v.status]));
      const lastSeen = new Map(current.map((v) => [v.key, new Date(v.lastSeen).getTime()]));
      const stale = at.getTime() - 3_600_000;
      const seen = new Set<string>();
      const ops: Parameters<typeof violations.bulkWrite>[0] = [];
      let opened = 0;
      for (const f of findings) {
        const key = findingKey(f);
        seen.add(key);
        const was = status.get(key);
        if (was !== 'OPEN') opened++;
        // Still open and seen within the hour: the update below would match nothing.
        else if ((lastSeen.get(key) ?? 0) >= stale) continue;
        const fields = {
          ruleId: f.ruleId,
          agent: f.agent,
          tool: f.tool,
          severity: f.severity,
          title: f.title,
          explanation: f.explanation,
          remediation: f.remediation,
        };
        ops.push(
          was === undefined
            ? {
                updateOne: {
                  filter: { key },
                  update: {
                    $set: {
                      ...fields,
                      key,
                      explanationSource: 'template',
                      status: 'OPEN',
                      firstSeen: at,
                      lastSeen: at,
                      resolvedAt: null,
                      ack: null,
                    },
                  },
                  upsert: true,
                },
              }
            : // a violation that comes back is the same one: first seen and its acknowledgement stay;
              // one still open is rewritten only when its lastSeen is an hour old (no write per run)
              {
                updateOne: {
                  filter:
                    was === 'OPEN'
                      ? { key, lastSeen: { $lt: new Date(at.getTime() - 3_600_000) } }
                      : { key },
                  update: { $set: { ...fields, status: 'OPEN', lastSeen: at, resolvedAt: null } },
                },
              },
        );
      }
      const gone = [...status]
        .filter(([key, s]) => s === 'OPEN' && !seen.has(key))
        .map(([key]) => key);
      if (gone.length)
        ops.push({
          updateMany: {
            filter: { key: { $in: gone }, status: 'OPEN' },
            update: { $set: { status: 'RESOLVED', resolvedAt: at } },
          },
        });
      for (let i = 0; i < ops.length; i += WRITE_BATCH)
        await violations.bulkWrite(ops.slice(i, i + WRITE_BATCH), { ordered: false });
      return { opened, resolved: gone.length };
    },

    acknowledge: (key: string, ack: ViolationAck) =>
      violations
        .findOneAndUpdate({ key }, { $set: { ack } }, { returnDocument: 'after' })
        .lean<ViolationDoc | null>(),

    deleteAll: async () => {
      await Promise.all([declarations.deleteMany({}), violations.deleteMany({})]);
    },
  };
}
export type GovernanceRepo = ReturnType<typeof createGovernanceRepo>;
export type { ViolationDoc } from '../models/governance.model';
