/**
 * Issue 21: the MCP gateway continues the client's trace from `params._meta.traceparent`. The
 * gateway runs in this process (embedded, as `@aegis/sdk/mcp` allows) with an OTel SDK
 * registered, so its spans are collected here.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayConfig, startHttpGateway, type HttpGateway } from '../../src/mcp/index';
import { uniqueAgent, useSdkServer } from '../helpers/server';
import { agentKey, fixture, text } from './helpers';

const t = useSdkServer();
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let gateway: HttpGateway;
let client: Client;

beforeAll(async () => {
  provider.register();
  const agent = uniqueAgent('mcp-trace');
  await t.aegis.agent(agent, { allows: ['fixture.echo'] }).register();
  gateway = await startHttpGateway({
    config: gatewayConfig.parse({
      aegis: { url: t.server.url },
      listen: { port: 0 },
      upstreams: { fixture: { command: process.execPath, args: [fixture] } },
    }),
    pins: null,
    version: 'test',
    log: () => undefined,
  });
  const transport = new StreamableHTTPClientTransport(new URL(gateway.url), {
    requestInit: { headers: { authorization: `Bearer ${await agentKey(t.reviewer, [agent])}` } },
  });
  client = new Client({ name: 'traced-client', version: '1.0.0' });
  await client.connect(transport);
}, 120_000);

afterAll(async () => {
  await client?.close();
  await gateway?.close();
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';

describe('trace continuation through the MCP gateway', () => {
  it("a tools/call with traceparent in _meta: the gateway's execute_tool span is a child of the client's span", async () => {
    const result = await client.callTool({
      name: 'echo',
      arguments: { text: 'traced' },
      _meta: { traceparent: `00-${TRACE_ID}-${CLIENT_SPAN}-01`, tracestate: 'vendor=1' },
    });
    expect(text(result)).toBe('traced');
    const tool = exporter.getFinishedSpans().find((s) => s.name === 'execute_tool fixture.echo');
    expect(tool?.spanContext().traceId).toBe(TRACE_ID);
    expect(tool?.parentSpanContext?.spanId).toBe(CLIENT_SPAN);
    expect(tool?.spanContext().traceState?.get('vendor')).toBe('1');
  });

  it('without trace context in _meta the call starts a trace of its own', async () => {
    exporter.reset();
    await client.callTool({ name: 'echo', arguments: { text: 'untraced' } });
    const tool = exporter.getFinishedSpans().find((s) => s.name === 'execute_tool fixture.echo');
    expect(tool).toBeDefined();
    expect(tool?.spanContext().traceId).not.toBe(TRACE_ID);
    expect(tool?.parentSpanContext).toBeUndefined();
  });
});
