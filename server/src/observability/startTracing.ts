import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { Logger } from 'pino';

/**
 * Opt-in tracing for `npm start`: when OTEL_EXPORTER_OTLP_ENDPOINT (or the traces-only
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set, spans go there over OTLP/HTTP. The exporter reads
 * the standard OTEL_EXPORTER_OTLP_* variables itself (headers, protocol, timeout), the batch
 * processor OTEL_BSP_*, the sampler OTEL_TRACES_SAMPLER; OTEL_SERVICE_NAME names the service.
 * Returns the shutdown (flushes what is buffered), or null when tracing stays off.
 */
export function startTracingFromEnv(
  env: NodeJS.ProcessEnv,
  logger: Logger,
): (() => Promise<void>) | null {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint || env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none')
    return null;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? 'aegis-server' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // Also installs the AsyncLocalStorage context manager and the W3C trace-context propagator.
  provider.register();
  logger.info({ endpoint }, 'tracing: spans are exported over OTLP/HTTP');
  return () => provider.shutdown();
}
