import { connect, type Socket } from 'node:net';
import { calculateObjectSize, deserialize, serialize, setInternalBufferSize, type Document } from 'bson';

/** A bare TCP client for speaking (and mangling) the wire protocol byte by byte. */
export class RawClient {
  private buffered = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, d]);
      this.waiters.splice(0).forEach((w) => w());
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiters.splice(0).forEach((w) => w());
    });
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Resolves with the next reply's body document, or undefined if the server hung up. */
  async reply(): Promise<Document | undefined> {
    for (;;) {
      if (this.buffered.length >= 4) {
        const len = this.buffered.readInt32LE(0);
        if (this.buffered.length >= len) {
          const frame = this.buffered.subarray(0, len);
          this.buffered = this.buffered.subarray(len);
          return deserialize(frame.subarray(21)); // header (16) + flags (4) + section kind (1)
        }
      }
      if (this.closed) return undefined;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Frames an OP_MSG with a single body section around already-encoded BSON bytes. */
export function opMsgBytes(body: Buffer, requestId = 1): Buffer {
  const head = Buffer.alloc(21);
  head.writeInt32LE(21 + body.length, 0);
  head.writeInt32LE(requestId, 4);
  head.writeInt32LE(2013, 12);
  return Buffer.concat([head, body]);
}

export function opMsg(doc: Document, requestId = 1): Buffer {
  // Lift bson's 17 MiB scratch-buffer limit so tests can send oversized documents.
  setInternalBufferSize(Math.max(17 * 1024 * 1024, calculateObjectSize(doc) + 1024));
  return opMsgBytes(Buffer.from(serialize(doc)), requestId);
}
