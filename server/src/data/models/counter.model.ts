import { Schema, type Connection, type Model } from 'mongoose';

/** `seq` is the highest id handed out (or reserved) for the sequence named by `_id`. */
export interface CounterDoc {
  _id: string;
  seq: number;
}

const counterSchema = new Schema<CounterDoc>(
  { _id: { type: String, required: true }, seq: { type: Number, required: true, default: 0 } },
  { collection: 'counters', versionKey: false, autoIndex: false },
);

export function counterModel(conn: Connection): Model<CounterDoc> {
  return (
    (conn.models.Counter as Model<CounterDoc> | undefined) ??
    conn.model<CounterDoc>('Counter', counterSchema)
  );
}
