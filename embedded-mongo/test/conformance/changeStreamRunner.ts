import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EJSON } from 'bson';
import { MongoClient, MongoServerError, type ChangeStream, type Collection, type CommandStartedEvent, type Db, type Document } from 'mongodb';
import { nextChange, opened } from '../helpers/changeStreams.js';
import { match } from './match.js';
import { runOperation } from './operations.js';
import { checkError, satisfied, unsupported, type Requirement, type TestResult, type Topology } from './runner.js';

interface Operation {
  name: string;
  object: string;
  arguments?: Document;
  expectResult?: unknown;
  expectError?: Document;
  saveResultAsEntity?: string;
}

interface ExpectedEvents {
  client: string;
  ignoreExtraEvents?: boolean;
  events: { commandStartedEvent?: { command?: Document; commandName?: string; databaseName?: string } }[];
}

interface UnifiedTest {
  description: string;
  runOnRequirements?: Requirement[];
  skipReason?: string;
  operations: Operation[];
  expectEvents?: ExpectedEvents[];
}

interface UnifiedFile {
  runOnRequirements?: Requirement[];
  createEntities: Document[];
  initialData?: { collectionName: string; databaseName: string; documents: Document[] }[];
  tests: UnifiedTest[];
}

/** The entities of one test: clients with the commands they were seen to send, and what hangs off them. */
class Entities {
  readonly clients = new Map<string, MongoClient>();
  readonly events = new Map<string, CommandStartedEvent[]>();
  readonly databases = new Map<string, Db>();
  readonly collections = new Map<string, Collection>();
  readonly streams = new Map<string, ChangeStream>();

  async create(uri: string, specs: Document[]): Promise<void> {
    for (const e of specs) {
      if (e.client) {
        const spec = e.client as { id: string; observeEvents?: string[]; ignoreCommandMonitoringEvents?: string[] };
        const client = await MongoClient.connect(uri, { monitorCommands: true, serverMonitoringMode: 'poll' });
        const seen: CommandStartedEvent[] = [];
        if (spec.observeEvents?.includes('commandStartedEvent')) {
          client.on('commandStarted', (ev) => {
            if (!spec.ignoreCommandMonitoringEvents?.includes(ev.commandName)) seen.push(ev);
          });
        }
        this.clients.set(spec.id, client);
        this.events.set(spec.id, seen);
      }
      if (e.database) {
        const client = this.clients.get(e.database.client as string)!;
        this.databases.set(e.database.id as string, client.db(e.database.databaseName as string));
      }
      if (e.collection) {
        const db = this.databases.get(e.collection.database as string)!;
        this.collections.set(e.collection.id as string, db.collection(e.collection.collectionName as string));
      }
    }
  }

  async close(): Promise<void> {
    for (const s of this.streams.values()) await s.close().catch(() => undefined);
    for (const c of this.clients.values()) await c.close();
  }
}

/** The change-stream operations; anything else goes to the CRUD runner's operations. */
async function run(entities: Entities, op: Operation): Promise<unknown> {
  const { pipeline = [], to, ...options } = op.arguments ?? {};
  switch (op.name) {
    case 'createChangeStream': {
      const target = entities.collections.get(op.object) ?? entities.databases.get(op.object) ?? entities.clients.get(op.object);
      if (!target) throw new Error(`no entity ${op.object}`);
      return opened(target.watch(pipeline as Document[], options));
    }
    case 'iterateUntilDocumentOrError':
      return nextChange(entities.streams.get(op.object)!, 10_000);
    case 'iterateOnce':
      return entities.streams.get(op.object)!.tryNext();
    case 'close':
      return entities.streams.get(op.object)!.close();
    case 'rename':
      return entities.collections.get(op.object)!.rename(to as string, options);
    default:
      return runOperation({ client: [...entities.clients.values()][0]!, databases: entities.databases, collections: entities.collections }, op);
  }
}

/** checkError plus the fields the change-stream tests use: errorCodeName and error labels. */
function errorMismatch(expect: Document, err: unknown): string | undefined {
  const e = err as MongoServerError;
  if (typeof expect.errorCodeName === 'string' && e.codeName !== expect.errorCodeName) return `expected ${expect.errorCodeName}, got ${String(e.codeName)}`;
  for (const label of (expect.errorLabelsContain as string[] | undefined) ?? []) {
    if (!(err instanceof MongoServerError) || !e.hasErrorLabel(label)) return `error lacks label ${label}`;
  }
  for (const label of (expect.errorLabelsOmit as string[] | undefined) ?? []) {
    if (err instanceof MongoServerError && e.hasErrorLabel(label)) return `error has label ${label}`;
  }
  return checkError(expect, err);
}

function eventsMismatch(expected: ExpectedEvents, seen: CommandStartedEvent[]): string | undefined {
  const want = expected.events.length;
  if (expected.ignoreExtraEvents ? seen.length < want : seen.length !== want) {
    return `expected ${want} command events, saw ${seen.length} (${seen.map((e) => e.commandName).join(', ')})`;
  }
  for (const [i, e] of expected.events.entries()) {
    const started = e.commandStartedEvent;
    const actual = seen[i]!;
    if (!started) return `event ${i}: only commandStartedEvent is supported`;
    if (started.commandName !== undefined && started.commandName !== actual.commandName) return `event ${i}: expected ${started.commandName}, saw ${actual.commandName}`;
    if (started.databaseName !== undefined && started.databaseName !== actual.databaseName) return `event ${i}: database ${actual.databaseName}`;
    const r = started.command ? match(started.command, actual.command, `$events[${i}]`, true) : undefined;
    if (r) return r;
  }
  return undefined;
}

async function runTest(uri: string, setup: MongoClient, file: UnifiedFile, test: UnifiedTest): Promise<string | undefined> {
  for (const data of file.initialData ?? []) {
    const db = setup.db(data.databaseName);
    await db.dropCollection(data.collectionName).catch(() => undefined);
    if (data.documents.length > 0) await db.collection(data.collectionName).insertMany(data.documents);
    else await db.createCollection(data.collectionName);
  }
  const entities = new Entities();
  try {
    await entities.create(uri, file.createEntities);
    for (const op of test.operations) {
      let result: unknown;
      try {
        result = await run(entities, op);
      } catch (err) {
        if (!op.expectError) return `${op.name} threw ${(err as Error).message}`;
        const r = errorMismatch(op.expectError, err);
        if (r) return `${op.name}: ${r}`;
        continue;
      }
      if (op.expectError) return `${op.name} succeeded but an error was expected`;
      if (op.saveResultAsEntity) entities.streams.set(op.saveResultAsEntity, result as ChangeStream);
      if (op.expectResult !== undefined) {
        const r = match(op.expectResult, result);
        if (r) return `${op.name} result ${r}`;
      }
    }
    for (const expected of test.expectEvents ?? []) {
      const r = eventsMismatch(expected, entities.events.get(expected.client) ?? []);
      if (r) return `events of ${expected.client}: ${r}`;
    }
    return undefined;
  } finally {
    await entities.close();
  }
}

/** Runs the unified change-stream tests in `dir` against the store at `uri`. */
export async function runChangeStreamSuite(uri: string, dir: string, topology: Topology): Promise<TestResult[]> {
  const results: TestResult[] = [];
  const setup = await MongoClient.connect(uri, { serverMonitoringMode: 'poll' });
  try {
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
          const reason = await runTest(uri, setup, file, test);
          results.push({ ...base, status: reason ? 'failed' : 'passed', reason });
        } catch (err) {
          results.push({ ...base, status: 'failed', reason: `runner: ${(err as Error).message}` });
        }
      }
    }
  } finally {
    await setup.close();
  }
  return results;
}
