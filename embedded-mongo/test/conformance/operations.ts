import type { Collection, Db, Document, MongoClient } from 'mongodb';

/** Entities a unified test refers to by id. */
export interface Entities {
  client: MongoClient;
  databases: Map<string, Db>;
  collections: Map<string, Collection>;
}

type Args = Record<string, unknown>;

/** Unified argument names that are not driver options (they are positional parameters). */
const POSITIONAL = new Set(['filter', 'update', 'replacement', 'document', 'documents', 'pipeline', 'requests', 'fieldName', 'keys', 'collection', 'session']);

function options(args: Args): Document {
  const out: Document = {};
  for (const [k, v] of Object.entries(args)) if (!POSITIONAL.has(k)) out[k] = v;
  if (typeof out.returnDocument === 'string') out.returnDocument = out.returnDocument.toLowerCase();
  return out;
}

const f = (args: Args): Document => (args.filter as Document | undefined) ?? {};

async function collectionOp(coll: Collection, name: string, args: Args): Promise<unknown> {
  const opts = options(args);
  switch (name) {
    case 'insertOne':
      return coll.insertOne(args.document as Document, opts);
    case 'insertMany':
      return coll.insertMany(args.documents as Document[], opts);
    case 'updateOne':
      return coll.updateOne(f(args), args.update as Document, opts);
    case 'updateMany':
      return coll.updateMany(f(args), args.update as Document, opts);
    case 'replaceOne':
      return coll.replaceOne(f(args), args.replacement as Document, opts);
    case 'deleteOne':
      return coll.deleteOne(f(args), opts);
    case 'deleteMany':
      return coll.deleteMany(f(args), opts);
    case 'find':
      return coll.find(f(args), opts).toArray();
    case 'findOne':
      return coll.findOne(f(args), opts);
    case 'findOneAndUpdate':
      return coll.findOneAndUpdate(f(args), args.update as Document, opts);
    case 'findOneAndReplace':
      return coll.findOneAndReplace(f(args), args.replacement as Document, opts);
    case 'findOneAndDelete':
      return coll.findOneAndDelete(f(args), opts);
    case 'aggregate':
      return coll.aggregate(args.pipeline as Document[], opts).toArray();
    case 'countDocuments':
      return coll.countDocuments(f(args), opts);
    case 'estimatedDocumentCount':
      return coll.estimatedDocumentCount(opts);
    case 'count':
      return (coll as unknown as { count(q: Document, o: Document): Promise<number> }).count(f(args), opts);
    case 'distinct':
      return coll.distinct(args.fieldName as string, f(args), opts);
    case 'bulkWrite':
      return coll.bulkWrite(args.requests as never, opts);
    case 'createIndex':
      return coll.createIndex(args.keys as Document, opts);
    default:
      throw new UnsupportedOperation(name);
  }
}

async function databaseOp(db: Db, name: string, args: Args): Promise<unknown> {
  const opts = options(args);
  switch (name) {
    case 'aggregate':
      return db.aggregate(args.pipeline as Document[], opts).toArray();
    case 'createCollection':
      // A view's pipeline is an option here, not the positional argument it is elsewhere.
      return db.createCollection(args.collection as string, args.pipeline ? { ...opts, pipeline: args.pipeline } : opts);
    case 'dropCollection':
      return db.dropCollection(args.collection as string, opts);
    case 'runCommand':
      return db.command(args.command as Document);
    case 'modifyCollection': {
      const { collection, ...changes } = args;
      return db.command({ collMod: collection as string, ...changes });
    }
    default:
      throw new UnsupportedOperation(name);
  }
}

export class UnsupportedOperation extends Error {}

export async function runOperation(entities: Entities, op: { name: string; object: string; arguments?: Args }): Promise<unknown> {
  const args = op.arguments ?? {};
  const coll = entities.collections.get(op.object);
  if (coll) return collectionOp(coll, op.name, args);
  const db = entities.databases.get(op.object);
  if (db) return databaseOp(db, op.name, args);
  throw new UnsupportedOperation(`${op.name} on ${op.object}`);
}
