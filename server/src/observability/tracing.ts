import type { IncomingHttpHeaders } from 'node:http';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { inSpan } from '@aegis/shared';

/**
 * Server spans through the OpenTelemetry API only: without a registered provider (tracing off,
 * the default) every tracer is the API's no-op, `startSpan` hands back a non-recording span and
 * the helpers below run the work directly, allocating no attributes and switching no context.
 */
export const tracer = trace.getTracer('aegis-server');

/**
 * The span of one tRPC procedure call, continuing the caller's trace when the request carried
 * W3C trace context (`traceparent`). The procedure's answer (`ok` or an error code) is its status.
 */
export function procedureSpan<R extends { ok: boolean; error?: { code: string } }>(
  path: string,
  type: string,
  headers: IncomingHttpHeaders | undefined,
  work: () => Promise<R>,
): Promise<R> {
  const parent =
    headers?.traceparent === undefined
      ? context.active()
      : propagation.extract(ROOT_CONTEXT, headers);
  return inSpan(
    tracer,
    path,
    () => ({ 'rpc.system': 'trpc', 'rpc.method': path, 'aegis.procedure.type': type }),
    async (span) => {
      const result = await work();
      if (span && !result.ok) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: result.error?.code });
        span.setAttribute('aegis.error', result.error?.code ?? 'unknown');
      }
      return result;
    },
    { parent, kind: SpanKind.SERVER },
  );
}
