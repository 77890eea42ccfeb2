import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmbeddedMongo, type EmbeddedMongo } from '../src/index.js';
import { runChangeStreamSuite } from './conformance/changeStreamRunner.js';
import type { TestResult, Topology } from './conformance/runner.js';

// Vendored copy of MongoDB's change-stream spec tests (see the README beside them).
const SUITE = new URL('./conformance/change-streams-unified/', import.meta.url).pathname;

let replicaSet: EmbeddedMongo;
let standalone: EmbeddedMongo;

beforeAll(async () => {
  replicaSet = await startEmbeddedMongo();
  standalone = await startEmbeddedMongo({ replicaSet: false });
});
afterAll(async () => {
  await replicaSet.close();
  await standalone.close();
});

function report(topology: Topology, results: TestResult[]): void {
  const count = (s: string) => results.filter((r) => r.status === s).length;
  console.log(`unified change-stream conformance (${topology}): passed ${count('passed')}, failed ${count('failed')}, skipped ${count('skipped')}`);
  for (const r of results.filter((x) => x.status !== 'passed')) console.log(`  ${r.status.toUpperCase()} ${r.file} :: ${r.test} — ${r.reason ?? ''}`);
}

it('passes every applicable unified change-stream spec test, as a replica set and as a standalone', async () => {
  const asReplicaSet = await runChangeStreamSuite(replicaSet.uri, SUITE, 'replicaset');
  const asStandalone = await runChangeStreamSuite(standalone.uri, SUITE, 'single');
  report('replicaset', asReplicaSet);
  report('single', asStandalone);
  const failed = [...asReplicaSet, ...asStandalone].filter((r) => r.status === 'failed');
  expect(failed).toEqual([]);
  // The runs are not vacuous: the replica set runs most of the suite, the standalone its refusal.
  expect(asReplicaSet.filter((r) => r.status === 'passed').length).toBeGreaterThanOrEqual(25);
  expect(asStandalone.filter((r) => r.status === 'passed').length).toBeGreaterThanOrEqual(1);
});
