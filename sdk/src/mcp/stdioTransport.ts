import process from 'node:process';
import type { Readable, Writable } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ErrorCode,
  JSONRPCMessageSchema,
  type JSONRPCMessage,
} from '@modelcontextprotocol/sdk/types.js';

/** A line longer than this is answered as too large and skipped (the MCP SDK's own cap). */
export const MAX_LINE_BYTES = 10 * 1024 * 1024;

/**
 * The gateway's stdio transport: newline-delimited JSON-RPC on stdin/stdout, like the MCP SDK's
 * `StdioServerTransport`, except that what is not a message gets an answer instead of silence.
 * A client that sends broken JSON, a batch, or a request of the wrong shape learns why (-32700
 * Parse error, -32600 Invalid Request, as JSON-RPC 2.0 says) rather than waiting on a call that
 * was dropped; and an oversized line is refused and skipped rather than ending the session.
 */
export class GatewayStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Inside an oversized line: drop bytes up to its end. */
  private skipping = false;
  private started = false;

  constructor(
    private readonly stdin: Readable = process.stdin,
    private readonly stdout: Writable = process.stdout,
    private readonly maxLineBytes = MAX_LINE_BYTES,
  ) {}

  start(): Promise<void> {
    if (this.started) return Promise.reject(new Error('GatewayStdioTransport already started'));
    this.started = true;
    this.stdin.on('data', this.onData);
    this.stdin.on('error', this.onStreamError);
    return Promise.resolve();
  }

  send(message: JSONRPCMessage): Promise<void> {
    return this.write(message);
  }

  close(): Promise<void> {
    this.stdin.off('data', this.onData);
    this.stdin.off('error', this.onStreamError);
    if (this.stdin.listenerCount('data') === 0) this.stdin.pause();
    this.chunks = [];
    this.buffered = 0;
    this.onclose?.();
    return Promise.resolve();
  }

  private readonly onStreamError = (error: Error) => this.onerror?.(error);

  private readonly onData = (chunk: Buffer) => {
    let rest = chunk;
    for (let nl = rest.indexOf(0x0a); nl !== -1; nl = rest.indexOf(0x0a)) {
      const head = rest.subarray(0, nl);
      rest = rest.subarray(nl + 1);
      if (this.skipping) {
        this.skipping = false;
        continue;
      }
      if (this.buffered + head.length > this.maxLineBytes) {
        this.refuseOversized();
        this.skipping = false;
        continue;
      }
      const line = Buffer.concat([...this.chunks, head]).toString('utf8');
      this.chunks = [];
      this.buffered = 0;
      this.receive(line);
    }
    if (this.skipping || rest.length === 0) return;
    if (this.buffered + rest.length > this.maxLineBytes) {
      this.refuseOversized();
      return;
    }
    this.chunks.push(rest);
    this.buffered += rest.length;
  };

  private refuseOversized() {
    this.chunks = [];
    this.buffered = 0;
    this.skipping = true;
    this.answerError(
      undefined,
      ErrorCode.InvalidRequest,
      `Invalid Request: a message longer than ${this.maxLineBytes} bytes was skipped`,
    );
  }

  private receive(raw: string) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return; // blank lines between messages are not messages
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      this.answerError(undefined, ErrorCode.ParseError, `Parse error: ${(error as Error).message}`);
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
      const why = Array.isArray(value)
        ? 'batches are not supported; send one message per line'
        : `not a JSON-RPC 2.0 message${where}`;
      this.answerError(idOf(value), ErrorCode.InvalidRequest, `Invalid Request: ${why}`);
      return;
    }
    this.onmessage?.(parsed.data);
  }

  /** JSON-RPC's error answer; `id` null when the message's own id could not be read. */
  private answerError(id: string | number | undefined, code: number, message: string) {
    this.write({ jsonrpc: '2.0', id: id ?? null, error: { code, message } }).catch(
      (error: unknown) => this.onerror?.(error instanceof Error ? error : new Error(String(error))),
    );
  }

  private write(message: unknown): Promise<void> {
    return new Promise((resolve) => {
      if (this.stdout.write(`${JSON.stringify(message)}\n`)) resolve();
      else this.stdout.once('drain', resolve);
    });
  }
}

function idOf(value: unknown): string | number | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const id = (value as { id?: unknown }).id;
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? id : undefined;
}
