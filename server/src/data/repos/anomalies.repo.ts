import type { Model } from 'mongoose';
import type { Anomaly } from '@aegis/shared';
import type { AnomalyDoc } from '../models/anomaly.model';

export function createAnomaliesRepo(model: Model<AnomalyDoc>) {
  return {
    /**
     * Stores an anomaly unless one with its id (kind, agent, action, hour) is already stored.
     * True when this call stored it: only that server announces it.
     */
    async insertNew(anomaly: Anomaly): Promise<boolean> {
      const doc: AnomalyDoc = {
        _id: anomaly.id,
        kind: anomaly.kind,
        agent: anomaly.agent,
        action: anomaly.action,
        hour: new Date(anomaly.hour),
        detectedAt: new Date(anomaly.detectedAt),
        score: anomaly.score,
        summary: anomaly.summary,
        evidence: anomaly.evidence,
      };
      const result = await model.collection.updateOne(
        { _id: doc._id } as never,
        { $setOnInsert: doc },
        { upsert: true },
      );
      return result.upsertedCount === 1;
    },

    async list(q: { from: Date; to: Date; agent?: string; limit: number }): Promise<Anomaly[]> {
      const filter: Record<string, unknown> = { hour: { $gte: q.from, $lt: q.to } };
      if (q.agent) filter.agent = q.agent;
      const docs = await model.collection
        .find(filter, { sort: { hour: -1 }, limit: q.limit })
        .toArray();
      return docs.map((d) => toAnomaly(d as unknown as AnomalyDoc));
    },

    async get(id: string): Promise<Anomaly | null> {
      const doc = await model.collection.findOne({ _id: id } as never);
      return doc ? toAnomaly(doc as unknown as AnomalyDoc) : null;
    },

    async deleteAll(): Promise<void> {
      await model.collection.deleteMany({});
    },
  };
}
export type AnomaliesRepo = ReturnType<typeof createAnomaliesRepo>;

export function toAnomaly(d: AnomalyDoc): Anomaly {
  return {
    id: d._id,
    kind: d.kind,
    agent: d.agent,
    action: d.action,
    hour: d.hour.toISOString(),
    detectedAt: d.detectedAt.toISOString(),
    score: d.score,
    summary: d.summary,
    evidence: d.evidence,
  };
}
