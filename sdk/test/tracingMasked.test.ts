/**
 * Review 6, finding 6: a failing tool's error reached the tracing backend raw. The SDK's
 * `execute_tool` span recorded the exception as thrown (message and stack) and put the message in
 * its status, so a card number or API key the error quoted left the process unmasked, while the
 * audit log only ever got the masked text. Spans now carry the masked message, and stacks keep
 * only their frames.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueAgent, useSdkServer } from './helpers/server';

const t = useSdkServer();
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

const CARD = '4111 1111 1111 1111';
const KEY = 'sk_live_' + 'a1B2c3D4e5F6g7H8i9J0kLmN';

beforeAll(() => {
  provider.register();
});

afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

describe("a failing tool's error on its span", () => {
  it('is masked in the status, the exception event and its stack', async () => {
    const agent = t.aegis.agent(uniqueAgent('otel-mask'), { allows: ['charge'] });
    const charge = agent.guard(
      (_charge: { amount: number }) => {
        // Lines after the first: the stack's header is the whole message, frames come after it.
        throw new Error(`card ${CARD} declined\n    at gateway (key ${KEY})`);
      },
      { action: 'charge' },
    );
    await expect(charge({ amount: 5 })).rejects.toThrow('declined');

    const span = exporter.getFinishedSpans().find((s) => s.name === 'execute_tool charge');
    expect(span).toBeDefined();
    const exported = JSON.stringify({
      status: span?.status,
      events: span?.events,
      attributes: span?.attributes,
    });
    expect(exported).not.toContain(CARD);
    expect(exported).not.toContain('4111111111111111');
    expect(exported).not.toContain(KEY);
    // Still useful to whoever reads the trace: what failed, the masked card's last digits, frames.
    expect(span?.status.message).toContain('declined');
    expect(span?.status.message).toContain('1111');
    const event = span?.events.find((e) => e.name === 'exception');
    expect(event?.attributes?.['exception.type']).toBe('Error');
    expect(String(event?.attributes?.['exception.stacktrace'])).toMatch(/\n\s+at /);
  });
});
