import {
  context,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { maskedToolError } from './dlp/mask';

/**
 * Runs `work` in a child span of `parent` (default: the active context), through the
 * OpenTelemetry API only. Without a registered provider (tracing off) the tracer is the API's
 * no-op: `startSpan` returns a non-recording span and `work` runs directly — no attributes are
 * built (they come from a function) and no context is switched. Used by the SDK and the server.
 */
export function inSpan<T>(
  tracer: Tracer,
  name: string,
  attributes: () => Attributes,
  work: (span: Span | null) => Promise<T>,
  opts: { parent?: Context; kind?: SpanKind } = {},
): Promise<T> {
  const parent = opts.parent ?? context.active();
  const span = tracer.startSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL }, parent);
  // Not recording: `work`'s own promise, with no async frame of ours around it (hot paths, e.g.
  // every guarded call, pay nothing for tracing being off).
  if (!span.isRecording()) {
    try {
      return work(null);
    } catch (error) {
      // Whatever was thrown, as an async function would reject with it.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      return Promise.reject(error);
    }
  }
  return inRecordingSpan(span, parent, attributes, work);
}

async function inRecordingSpan<T>(
  span: Span,
  parent: Context,
  attributes: () => Attributes,
  work: (span: Span | null) => Promise<T>,
): Promise<T> {
  span.setAttributes(attributes());
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    const exception = maskedException(error);
    span.recordException(exception);
    span.setStatus({ code: SpanStatusCode.ERROR, message: exception.message });
    throw error;
  } finally {
    span.end();
  }
}

/**
 * An error as a span may carry it. A tool's error can quote what it failed on (a card number, an
 * API key in a connection string) and spans leave the process for a tracing backend, so the
 * message is masked like every tool error that leaves (the audit log's outcome), and the stack
 * keeps only its frames: its first line repeats the raw message.
 */
export function maskedException(error: unknown): { name: string; message: string; stack?: string } {
  const e = error instanceof Error ? error : new Error(String(error));
  const message = maskedToolError(e.message);
  const frames = e.stack ? stackFrames(e.stack, e) : '';
  return {
    name: e.name,
    message,
    ...(frames ? { stack: `${e.name}: ${message}\n${frames}` } : {}),
  };
}

/**
 * The `    at …` lines of a V8 stack: what follows its header (`Name: message`, however many lines
 * the message had). A stack that doesn't start with that header is dropped whole rather than
 * searched, since the message could itself contain lines that look like frames.
 */
function stackFrames(stack: string, e: Error): string {
  const header = e.message ? `${e.name}: ${e.message}\n` : `${e.name}\n`;
  return stack.startsWith(header) ? stack.slice(header.length) : '';
}

/** Sets attributes on the active span only when it records (nothing is built otherwise). */
export function annotate(attributes: () => Attributes): void {
  const span = trace.getActiveSpan();
  if (span?.isRecording()) span.setAttributes(attributes());
}
