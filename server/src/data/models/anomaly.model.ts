import { Schema, type Connection, type Model } from 'mongoose';
import type { AnomalyKind } from '@aegis/shared';

/** A flagged anomaly; `_id` is kind:agent:action:hour, so each is stored once by whichever server saw it first. */
export interface AnomalyDoc {
  _id: string;
  kind: AnomalyKind;
  agent: string;
  action: string;
  hour: Date;
  detectedAt: Date;
  score: number;
  summary: string;
  evidence: { observed: number; expected: number; threshold: number; historyHours: number };
}

const anomalySchema = new Schema<AnomalyDoc>(
  {
    _id: { type: String, required: true },
    kind: { type: String, required: true },
    agent: { type: String, required: true },
    action: { type: String, required: true },
    hour: { type: Date, required: true },
    detectedAt: { type: Date, required: true },
    score: { type: Number, required: true },
    summary: { type: String, required: true },
    evidence: { type: Schema.Types.Mixed, required: true },
  },
  { collection: 'anomalies', versionKey: false, autoIndex: false },
);
anomalySchema.index({ hour: -1 });
anomalySchema.index({ agent: 1, action: 1, hour: -1 });

export function anomalyModel(conn: Connection): Model<AnomalyDoc> {
  return (
    (conn.models.Anomaly as Model<AnomalyDoc> | undefined) ??
    conn.model<AnomalyDoc>('Anomaly', anomalySchema)
  );
}
