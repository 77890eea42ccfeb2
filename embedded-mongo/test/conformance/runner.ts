import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EJSON } from 'bson';
import { MongoServerError, type Document, type MongoClient } from 'mongodb';
import { match } from './match.js';
import { runOperation, type Entities } from './operations.js';

/** The store presents itself as MongoDB 7.0 without auth: a one-node replica set, or a standalone. */
const SERVER_VERSION = [7, 0, 0];
export type Topology = 'single' | 'replicaset';

export interface Requirement {
  minServerVersion?: string;
  maxServerVersion?: string;
  topologies?: string[];
  serverless?: string;
  auth?: boolean;
  serverParameters?: Document;
  csfle?: boolean;
}

interface Operation {
  name: string;
  object: string;
  arguments?: Document;
  expectResult?: unknown;
  expectError?: Document;
}

interface UnifiedTest {
  description: string;
  runOnRequirements?: Requirement[];
  skipReason?: string;
  operations: Operation[];
  outcome?: { collectionName: string; databaseName: string; documents: Document[] }[];
}

interface UnifiedFile {
  description: string;
  runOnRequirements?: Requirement[];
  createEntities: Document[];
  initialData?: { collectionName: string; databaseName: string; documents: Document[] }[];
  tests: UnifiedTest[];
}

export interface TestResult {
  file: string;
  test: string;
  status: 'passed' | 'failed' | 'skipped';
  reason?: string;
}

function version(s: string): number[] {
  return s.split('.').map(Number);
}

function cmpVersion(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

export function satisfied(reqs: Requirement[] | undefined, topology: Topology): boolean {
  if (!reqs || reqs.length === 0) return true;
  return reqs.some(
    (r) =>
      (!r.minServerVersion || cmpVersion(SERVER_VERSION, version(r.minServerVersion)) >= 0) &&
      (!r.maxServerVersion || cmpVersion(SERVER_VERSION, version(r.maxServerVersion)) <= 0) &&
      (!r.topologies || r.topologies.includes(topology)) &&
      r.serverless !== 'require' && r.auth !== true && !r.serverParameters && r.csfle !== true,
  );
}

/** Tests needing features this store lacks (failpoints, client bulk write) are skipped. */
export function unsupported(test: { skipReason?: string; operations: { name: string }[] }): string | undefined {
  if (test.skipReason) return test.skipReason;
  if (test.operations.some((o) => o.name === 'failPoint')) return 'needs failpoints';
  if (test.operations.some((o) => o.name === 'clientBulkWrite')) return 'needs clientBulkWrite';
  return undefined;
}

export function checkError(expect: Document, err: unknown): string | undefined {
  const e = err as Error & { code?: number; result?: unknown; errorResponse?: unknown };
  if (expect.isClientError === true && err instanceof MongoServerError) return `expected client error, got server error ${e.message}`;
  if (expect.isClientError === false && !(err instanceof MongoServerError)) return `expected server error, got ${e.message}`;
  if (typeof expect.errorContains === 'string' && !e.message.toLowerCase().includes(expect.errorContains.toLowerCase())) {
    return `error "${e.message}" lacks "${expect.errorContains}"`;
  }
  if (typeof expect.errorCode === 'number' && e.code !== expect.errorCode) return `expected code ${expect.errorCode}, got ${String(e.code)} (${e.message})`;
  if (expect.errorResponse !== undefined) return match(expect.errorResponse, e.errorResponse ?? e);
  if (expect.expectResult !== undefined) {
    const partial = (e as { result?: unknown }).result ?? (e as { partialResult?: unknown }).partialResult;
    return match(expect.expectResult, partial);
  }
  return undefined;
}

async function runTest(client: MongoClient, file: UnifiedFile, test: UnifiedTest): Promise<string | undefined> {
  const entities: Entities = { client, databases: new Map(), collections: new Map() };
  for (const e of file.createEntities) {
    if (e.database) entities.databases.set(e.database.id as string, client.db(e.database.databaseName as string, e.database.databaseOptions as Document));
    if (e.collection) {
      const db = entities.databases.get(e.collection.database as string);
      if (db) entities.collections.set(e.collection.id as string, db.collection(e.collection.collectionName as string, e.collection.collectionOptions as Document));
    }
  }
  for (const data of file.initialData ?? []) {
    const db = client.db(data.databaseName);
    await db.dropCollection(data.collectionName).catch(() => undefined);
    if (data.documents.length > 0) await db.collection(data.collectionName).insertMany(data.documents);
    else await db.createCollection(data.collectionName);
  }
  for (const op of test.operations) {
    let result: unknown;
    try {
      result = await runOperation(entities, op);
    } catch (err) {
      if (!op.expectError) return `${op.name} threw ${(err as Error).message}`;
      const r = checkError(op.expectError, err);
      if (r) return `${op.name}: ${r}`;
      continue;
    }
    if (op.expectError) return `${op.name} succeeded but an error was expected`;
    if (op.expectResult !== undefined) {
      const r = match(op.expectResult, result);
      if (r) return `${op.name} result ${r}`;
    }
  }
  // Unacknowledged (w:0) writes may still be in flight: a ping on the same pool orders them.
  await client.db('admin').command({ ping: 1 });
  for (const out of test.outcome ?? []) {
    const docs = await client.db(out.databaseName).collection(out.collectionName).find({}, { sort: { _id: 1 } }).toArray();
    const r = match(out.documents, docs, '$outcome', false);
    if (r) return `outcome ${r}`;
  }
  return undefined;
}

/** Runs every unified test in `dir` against `client`, returning one result per test. */
export async function runUnifiedSuite(client: MongoClient, dir: string, topology: Topology): Promise<TestResult[]> {
  const results: TestResult[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    const file = EJSON.parse(readFileSync(join(dir, name), 'utf8'), { relaxed: true }) as UnifiedFile;
    for (const test of file.tests) {
      const base = { file: name, test: test.description };
      const skip = !satisfied(file.runOnRequirements, topology) || !satisfied(test.runOnRequirements, topology) ? 'server version/topology' : unsupported(test);
      if (skip) {
        results.push({ ...base, status: 'skipped', reason: skip });
        continue;
      }
      try {
        const reason = await runTest(client, file, test);
        results.push({ ...base, status: reason ? 'failed' : 'passed', reason });
      } catch (err) {
        results.push({ ...base, status: 'failed', reason: `runner: ${(err as Error).message}` });
      }
    }
  }
  return results;
}
