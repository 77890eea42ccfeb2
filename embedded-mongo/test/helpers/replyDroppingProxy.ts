import { createServer, connect, type Server, type Socket } from 'node:net';
import { deserialize } from 'bson';

/** Appends a chunk and cuts off the complete wire messages (length-prefixed), keeping the rest. */
function takeFrames(state: { buf: Buffer }, chunk: Buffer): Buffer[] {
  state.buf = Buffer.concat([state.buf, chunk]);
  const frames: Buffer[] = [];
  while (state.buf.length >= 4 && state.buf.length >= state.buf.readInt32LE(0)) {
    frames.push(state.buf.subarray(0, state.buf.readInt32LE(0)));
    state.buf = state.buf.subarray(frames[frames.length - 1]!.length);
  }
  return frames;
}

/**
 * A TCP proxy in front of the store that can lose a reply: after `dropNextReplyTo(command)`, the
 * next request running that command reaches the store (so the write happens), but the client's
 * connection is cut instead of receiving the answer — what a network failure at the worst moment
 * looks like to a driver, which then retries the write on a new connection.
 */
export class ReplyDroppingProxy {
  private dropFor: string | undefined;
  private readonly sockets = new Set<Socket>();
  dropped = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number, listenPort = 0): Promise<ReplyDroppingProxy> {
    const ref: { proxy?: ReplyDroppingProxy } = {};
    const server = createServer((client) => ref.proxy?.pipe(client, targetPort));
    await new Promise<void>((resolve) => server.listen(listenPort, '127.0.0.1', resolve));
    const address = server.address();
    ref.proxy = new ReplyDroppingProxy(server, typeof address === 'object' && address ? address.port : 0);
    return ref.proxy;
  }

  dropNextReplyTo(command: string): void {
    this.dropFor = command;
  }

  private pipe(client: Socket, targetPort: number): void {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    const doomed = new Set<number>();
    const fromClient = { buf: Buffer.alloc(0) };
    client.on('data', (chunk: Buffer) => {
      for (const frame of takeFrames(fromClient, chunk)) {
        // OP_MSG (2013) with its body section first: the command name is the body's first key.
        if (this.dropFor && frame.readInt32LE(12) === 2013 && frame.readUInt8(20) === 0) {
          const name = Object.keys(deserialize(frame.subarray(21, 21 + frame.readInt32LE(21))))[0];
          if (name === this.dropFor) {
            doomed.add(frame.readInt32LE(4));
            this.dropFor = undefined;
          }
        }
        upstream.write(frame);
      }
    });
    const fromServer = { buf: Buffer.alloc(0) };
    upstream.on('data', (chunk: Buffer) => {
      for (const frame of takeFrames(fromServer, chunk)) {
        if (doomed.has(frame.readInt32LE(8))) {
          this.dropped++;
          client.destroy();
          upstream.destroy();
          return;
        }
        client.write(frame);
      }
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
