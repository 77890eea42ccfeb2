import type { Model } from 'mongoose';
import { policyDocument, type PolicyDocument, type RuleType } from '@aegis/shared';
import type { PolicyDoc, RuleSource } from '../models/policy.model';
import { GLOBAL_POLICY, type PolicyVersionDoc } from '../models/policyVersion.model';

/** One stored version, as the services use it. */
export interface PolicyVersion {
  agent: string;
  version: number;
  rules: Map<string, RuleType>;
  lists: Array<{ action: string; rule: RuleType; source: RuleSource }>;
  document: PolicyDocument | null;
  /** Tags declared per tool at this version; null when the version predates recording them. */
  toolTags: Map<string, readonly string[]> | null;
  author: string | null;
  message: string | null;
  at: Date;
}

export interface VersionMeta {
  document: PolicyDocument | null;
  toolTags?: ReadonlyMap<string, readonly string[]>;
  author: string | null;
  message: string | null;
}

function toVersion(doc: PolicyVersionDoc): PolicyVersion {
  let document: PolicyDocument | null = null;
  if (doc.documentJson) {
    // Written by this repo from a validated document; a row that no longer parses is treated as none.
    const parsed = policyDocument.safeParse(JSON.parse(doc.documentJson));
    document = parsed.success ? parsed.data : null;
  }
  return {
    agent: doc.agent,
    version: doc.version,
    rules: new Map(doc.rules.map((r) => [r.action, r.rule])),
    lists: doc.rules,
    document,
    toolTags: doc.toolTags ? new Map(doc.toolTags.map((t) => [t.tool, t.tags])) : null,
    author: doc.author ?? null,
    message: doc.message ?? null,
    at: doc.at,
  };
}

/** Every version of every policy: agents' (lists + rule document) and the global one (agent "*"). */
export function createPolicyHistoryRepo(model: Model<PolicyVersionDoc>) {
  return {
    /** Writes a version once; versions are immutable (a second write of the same version is refused). */
    async record(agent: string, version: number, rules: PolicyDoc[], meta: VersionMeta): Promise<void> {
      await model.collection.insertOne({
        agent,
        version,
        rules: rules.map((r) => ({ action: r.action, rule: r.rule, source: r.source })),
        documentJson: meta.document ? JSON.stringify(meta.document) : null,
        // an array, not an object: tool names may hold "." and "$"
        toolTags: meta.toolTags ? [...meta.toolTags].map(([tool, tags]) => ({ tool, tags: [...tags] })) : null,
        author: meta.author,
        message: meta.message,
        at: new Date(),
      });
    },

    /** The rules at `version`, or null when no such version was recorded. */
    async at(agent: string, version: number): Promise<Map<string, RuleType> | null> {
      const doc = await model.findOne({ agent, version }).lean<PolicyVersionDoc | null>();
      return doc ? new Map(doc.rules.map((r) => [r.action, r.rule])) : null;
    },

    async get(agent: string, version: number): Promise<PolicyVersion | null> {
      const doc = await model.findOne({ agent, version }).lean<PolicyVersionDoc | null>();
      return doc ? toVersion(doc) : null;
    },

    /** The version that was in force at `at` (the newest recorded by then), or null. */
    async inForceAt(agent: string, at: Date): Promise<PolicyVersion | null> {
      const doc = await model
        .findOne({ agent, at: { $lte: at } })
        .sort({ version: -1 })
        .lean<PolicyVersionDoc | null>();
      return doc ? toVersion(doc) : null;
    },

    async latest(agent: string): Promise<PolicyVersion | null> {
      const doc = await model.findOne({ agent }).sort({ version: -1 }).lean<PolicyVersionDoc | null>();
      return doc ? toVersion(doc) : null;
    },

    /** Whether a person ever made a version of this agent's policy (a document, a rule, a relabel). */
    async anyByPerson(agent: string): Promise<boolean> {
      const doc = await model.findOne({ agent, author: { $ne: null } }, { _id: 0, version: 1 }).lean();
      return doc !== null;
    },

    /** Newest first. */
    async list(agent: string, limit: number): Promise<PolicyVersion[]> {
      const docs = await model.find({ agent }).sort({ version: -1 }).limit(limit).lean<PolicyVersionDoc[]>();
      return docs.map(toVersion);
    },

    deleteAll: async () => void (await model.deleteMany({})),
  };
}
export type PolicyHistoryRepo = ReturnType<typeof createPolicyHistoryRepo>;
export { GLOBAL_POLICY };
