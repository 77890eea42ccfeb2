import { trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger } from 'pino';

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

/** Structured JSON logs (to stdout unless `destination`); `level: 'silent'` for tests. */
export function createLogger(
  level: string,
  base: Record<string, unknown> = {},
  destination?: DestinationStream,
): Logger {
  const options = {
    level,
    base: { service: 'aegis', ...base },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: traceIds,
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * Inside a traced request, every line carries the trace and span ids (nothing when tracing is off).
 * Always a new object: pino merges each line's fields into what the mixin returns, so a shared
 * constant would carry one line's fields into every later line.
 */
function traceIds(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

export type { Logger };
