import { context, propagation, trace } from '@opentelemetry/api';
import { SDK_VERSION } from './version';

/**
 * The SDK's spans go through the OpenTelemetry API only: the application registers a provider
 * and exporter (or none: then every span is the API's no-op and costs next to nothing).
 */
export const tracer = trace.getTracer('@aegis/sdk', SDK_VERSION);

/**
 * `headers` plus the active trace context (W3C `traceparent`, through whichever propagator the
 * application registered), so the server continues the caller's trace. The same object back when
 * nothing is being traced.
 */
export function withTraceContext(headers: Record<string, string>): Record<string, string> {
  if (!trace.getActiveSpan()) return headers;
  const carrier = { ...headers };
  propagation.inject(context.active(), carrier);
  return carrier;
}
