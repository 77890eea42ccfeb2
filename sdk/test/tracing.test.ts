/**
 * Issue 21, done-means 1: a guarded call made inside the application's own span produces one
 * trace across the SDK (this process, its own OTel SDK registered: "bring your own") and the
 * server (a separate `npm start` process, tracing opted in with OTEL_EXPORTER_OTLP_ENDPOINT),
 * both exported over OTLP/HTTP to a real receiver and decoded here. The trace context can only
 * reach the server through the `traceparent` header.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeTransport } from '../src/index';
import { reviewerFor, sdkFor, uniqueAgent, watchFor } from './helpers/server';
import { startOtlpReceiver, type ReceivedSpan } from './helpers/otlpReceiver';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SECRET = 'acct-SECRET-7731';

let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let provider: NodeTracerProvider;
let child: ChildProcess;
let dataDir: string;
let server: { url: string; adminKey: string };

async function until<T>(probe: () => T | undefined, what: string, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  dataDir = await mkdtemp(path.join(tmpdir(), 'aegis-otel-'));
  child = spawn(process.execPath, ['--import', 'tsx', 'server/src/index.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      PORT: '0',
      AEGIS_DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: 'aegis-server',
      OTEL_BSP_SCHEDULE_DELAY: '50',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = await until(
    () => /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out)?.[1],
    'the server',
    120_000,
  );
  expect(out).toContain('spans are exported over OTLP/HTTP');
  server = { url, adminKey: (await readFile(path.join(dataDir, 'admin.key'), 'utf8')).trim() };

  // The application's own OTel SDK (what a LangChain/LangGraph app would already have).
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'agent-app' }),
    spanProcessors: [
      new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${receiver.url}/v1/traces` })),
    ],
  });
  provider.register();
}, 150_000);

afterAll(async () => {
  await provider?.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
  child?.kill('SIGTERM');
  await receiver?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const byName = (spans: ReceivedSpan[], name: string) => spans.filter((s) => s.name === name);
const childrenOf = (spans: ReceivedSpan[], parent: ReceivedSpan) =>
  spans.filter((s) => s.parentSpanId === parent.spanId && s.traceId === parent.traceId);

describe('traces across the SDK and the server', () => {
  it('an allowed call: app span → execute_tool → aegis.decide → server sdk.decide → decision → audit write', async () => {
    const aegis = sdkFor(server);
    const agent = uniqueAgent('traced');
    const handle = aegis.agent(agent, { allows: ['read_balance'] });
    const readBalance = handle.guard((q: { account: string }) => `balance of ${q.account.length}`, {
      action: 'read_balance',
    });
    const app = trace.getTracer('agent-app');
    await app.startActiveSpan('agent.run', async (span) => {
      await readBalance({ account: SECRET });
      span.end();
    });
    await provider.forceFlush();
    const spans = receiver.spans;
    const audit = await until(() => {
      const d = byName(spans, 'aegis.decision').find(
        (s) => s.attributes['gen_ai.agent.name'] === agent,
      );
      return d && spans.find((s) => s.name === 'aegis.audit.write' && s.parentSpanId === d.spanId)
        ? d
        : undefined;
    }, 'the server spans');

    const run = byName(spans, 'agent.run')[0] as ReceivedSpan;
    const tool = childrenOf(spans, run).find(
      (s) => s.name === 'execute_tool read_balance',
    ) as ReceivedSpan;
    expect(tool).toBeDefined();
    expect(tool.service).toBe('agent-app');
    expect(tool.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'read_balance',
      'gen_ai.agent.name': agent,
      'aegis.verdict': 'ALLOWED',
      'aegis.decided_by': 'server',
    });
    expect(typeof tool.attributes['aegis.policy_version']).toBe('number');
    expect(tool.attributes['aegis.rule']).toBeTypeOf('string');
    const decide = childrenOf(spans, tool).find((s) => s.name === 'aegis.decide') as ReceivedSpan;
    expect(decide.kind).toBe(SpanKind.CLIENT + 1); // OTLP kinds are the API's + 1
    // The server continued the trace from the traceparent header: its span's parent is ours.
    const procedure = spans.find(
      (s) => s.name === 'sdk.decide' && s.parentSpanId === decide.spanId,
    ) as ReceivedSpan;
    expect(procedure).toMatchObject({
      service: 'aegis-server',
      traceId: run.traceId,
      kind: SpanKind.SERVER + 1,
    });
    expect(audit.parentSpanId).toBe(procedure.spanId);
    expect(audit.attributes).toMatchObject({
      'aegis.verdict': 'ALLOWED',
      'gen_ai.tool.name': 'read_balance',
    });
    // never an argument value, in any exported byte
    expect(receiver.raw.join('\n')).not.toContain(SECRET);
    await aegis.close();
  });

  it('a reviewed call: the approval wait span covers the human, then the approved decide', async () => {
    const aegis = sdkFor(server);
    const reviewer = reviewerFor(server);
    const agent = uniqueAgent('traced-review');
    const handle = aegis.agent(agent, { review: ['refund'] });
    const refund = handle.guard((o: { iban: string }) => `refunded ${o.iban.length}`, {
      action: 'refund',
    });
    const created = await watchFor(aegis, (e) =>
      e.type === 'approval.created' && e.approval.agent === agent ? e.approval.id : undefined,
    );
    const call = refund({ iban: 'DE89370400440532013000' });
    const approvalId = await created.event;
    await new Promise((r) => setTimeout(r, 300)); // the person reads the card
    const decided = await reviewer.approvals.decide.mutate({
      id: approvalId,
      decision: 'APPROVED',
    });
    await call;
    await provider.forceFlush();
    const spans = receiver.spans;
    const tool = await until(
      () =>
        spans.find(
          (s) => s.name === 'execute_tool refund' && s.attributes['gen_ai.agent.name'] === agent,
        ),
      'the tool span',
    );
    expect(tool.attributes).toMatchObject({
      'aegis.verdict': 'ALLOWED',
      'aegis.approval_id': approvalId,
    });
    const wait = childrenOf(spans, tool).find(
      (s) => s.name === 'aegis.approval.wait',
    ) as ReceivedSpan;
    expect(wait.attributes).toMatchObject({
      'aegis.approval_id': approvalId,
      'aegis.approval.outcome': 'APPROVED',
    });
    // It was open when the person decided; the decide round trips around it were not.
    const decidedAt = Date.parse(decided.decidedAt ?? '');
    expect(wait.startMs).toBeLessThan(decidedAt);
    expect(wait.endMs).toBeGreaterThanOrEqual(decidedAt);
    const decides = childrenOf(spans, tool).filter((s) => s.name === 'aegis.decide');
    expect(decides).toHaveLength(2); // REVIEW, then the approval redeemed
    const serverDecisions = await until(() => {
      const found = byName(spans, 'aegis.decision').filter(
        (s) => s.attributes['gen_ai.agent.name'] === agent,
      );
      return found.length === 2 ? found : undefined;
    }, 'both server decisions');
    expect(serverDecisions.map((s) => s.attributes['aegis.verdict']).sort()).toEqual([
      'ALLOWED',
      'REVIEW',
    ]);
    expect(serverDecisions.every((s) => s.attributes['aegis.approval_id'] === approvalId)).toBe(
      true,
    );
    // DLP: which detector matched is on the span, never what it matched
    expect(serverDecisions[0]?.attributes['aegis.dlp.detectors']).toEqual(['iban']);
    expect(receiver.raw.join('\n')).not.toContain('DE89370400440532013000');
    closeTransport(reviewer);
    await aegis.close();
  });
});
