import { trace } from '@opentelemetry/api';
import { pino, type Logger } from 'pino';

/** Anything that could carry a credential; pino replaces these with "[redacted]". */
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-aegis-csrf"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'key',
  'token',
  'password',
  '*.key',
  '*.token',
  '*.password',
];

/** Structured JSON logs; `level: 'silent'` for tests. */
export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { service: 'aegis', ...base },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: traceIds,
  });
}

const NONE = {};

/** Inside a traced request, every line carries the trace and span ids (nothing when tracing is off). */
function traceIds(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return NONE;
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

export type { Logger };
