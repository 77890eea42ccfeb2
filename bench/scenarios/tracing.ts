import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { startBenchServer, type BenchServer } from '../harness';
import { summarize } from '../stats';
import type { BenchConfig, Row, ScenarioResult } from '../types';

const AGENT = 'bench-traced';
const ACTION = 'read_balance';

/** An OTLP/HTTP endpoint that takes every export and only counts it (the collector's cost is not ours). */
async function otlpSink(): Promise<{
  url: string;
  exports: () => number;
  close: () => Promise<void>;
}> {
  let n = 0;
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      n++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const { port } = sink.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    exports: () => n,
    close: () => new Promise((r) => sink.close(() => r())),
  };
}

/**
 * 12. Tracing on vs off (issue 21) on the strict guarded call (`sdk.decide` + `sdk.complete`),
 * sequential. Off: the main server and this process without a tracer provider (every span is the
 * API's no-op). On: a second server started with OTEL_EXPORTER_OTLP_ENDPOINT (spans batched to
 * an OTLP/HTTP sink) and this process with a registered NodeTracerProvider exporting there too.
 * Server rounds alternate between the two servers; the client's "on" rounds come after its "off"
 * rounds (a provider, once registered, stays bound to the SDK's tracer). Server and client CPU
 * per call are what the report compares; latency is shown for reference.
 */
export async function tracingScenario(
  server: BenchServer,
  config: BenchConfig,
): Promise<ScenarioResult> {
  const sink = await otlpSink();
  const traced = await startBenchServer({
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_SERVICE_NAME: 'aegis-bench' },
  });
  let provider: NodeTracerProvider | null = null;
  try {
    const { warmup, n } = config.overhead;
    const rounds = 4;
    const perRound = Math.max(50, Math.floor(n / rounds));
    const guards = new Map<BenchServer, () => Promise<unknown>>();
    for (const s of [server, traced]) {
      const handle = (await s.sdk([AGENT])).agent(AGENT, { allows: [ACTION] });
      await handle.register();
      guards.set(
        s,
        handle
          .guard((_q: { account: number }) => Promise.resolve(1), { action: ACTION })
          .bind(null, { account: 7 }),
      );
    }
    type Side = 'off' | 'on';
    const samples: Record<Side, number[]> = { off: [], on: [] };
    const serverCpu: Record<Side, number> = { off: 0, on: 0 };
    const clientCpu: Record<Side, number> = { off: 0, on: 0 };
    const measure = async (side: Side, s: BenchServer) => {
      const call = guards.get(s) as () => Promise<unknown>;
      const c0 = await s.serverCpuMs();
      const u0 = process.cpuUsage();
      for (let i = 0; i < perRound; i++) {
        const t0 = performance.now();
        await call();
        samples[side].push(performance.now() - t0);
      }
      const u = process.cpuUsage(u0);
      clientCpu[side] += (u.user + u.system) / 1000;
      serverCpu[side] += (await s.serverCpuMs()) - c0;
    };
    for (const s of [server, traced])
      for (let i = 0; i < warmup; i++) await (guards.get(s) as () => Promise<unknown>)();
    for (let round = 0; round < rounds; round++) await measure('off', server);
    provider = new NodeTracerProvider({
      spanProcessors: [
        new BatchSpanProcessor(new OTLPTraceExporter({ url: `${sink.url}/v1/traces` })),
      ],
    });
    provider.register();
    const app = trace.getTracer('bench-app');
    for (let i = 0; i < warmup; i++)
      await app.startActiveSpan('warm', (span) =>
        (guards.get(traced) as () => Promise<unknown>)().finally(() => span.end()),
      );
    for (let round = 0; round < rounds; round++) {
      // Inside an application span, as an instrumented agent's tool calls are.
      await app.startActiveSpan('agent.run', (span) =>
        measure('on', traced).finally(() => span.end()),
      );
    }
    await provider.forceFlush();
    const perCallUs = (ms: number, side: Side) => Math.round((ms / samples[side].length) * 1000);
    const row = (side: Side): Row => ({
      scenario: '12 tracing',
      label:
        side === 'off'
          ? 'strict guarded call, tracing off (no provider)'
          : 'strict guarded call, tracing on (OTLP/HTTP, batched)',
      latency: summarize(samples[side]),
      notes: {
        serverCpuUsPerCall: perCallUs(serverCpu[side], side),
        clientCpuUsPerCall: perCallUs(clientCpu[side], side),
        ...(side === 'on' ? { otlpExports: sink.exports() } : {}),
      },
    });
    return { rows: [row('off'), row('on')], goals: [] };
  } finally {
    await provider?.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
    await traced.stop();
    await sink.close();
  }
}
