import type { Socket } from 'node:net';
import type { Document } from 'bson';
import { MAX_MESSAGE_SIZE } from '../limits.js';
import { encodeReply, HEADER_SIZE, parseRequest, readHeader, type Request } from './protocol.js';

/** Answers a request; a promise for requests that wait (a change stream's awaitData getMore). */
export type RequestHandler = (req: Request) => Document | Promise<Document>;

/**
 * Frames one client socket: accumulates bytes, cuts complete messages by their length prefix
 * and answers each in order. While a request waits (a getMore on a change stream), later
 * requests on the same socket wait behind it, so replies keep their order. Malformed framing
 * (bad length, oversized, unparseable sections) closes just this connection, as mongod does;
 * the server and other sockets carry on.
 */
export function serveConnection(socket: Socket, handle: RequestHandler, onError: (err: unknown) => void): void {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let waiting = false;

  const fail = (err: unknown): void => {
    onError(err);
    socket.destroy();
  };

  const send = (replies: Buffer[]): void => {
    if (replies.length > 0 && !socket.destroyed) socket.write(replies.length === 1 ? replies[0]! : Buffer.concat(replies));
  };

  const pump = (): void => {
    if (waiting || pendingBytes < HEADER_SIZE) return;
    // Large inserts arrive in many chunks: wait for the whole frame before concatenating.
    const first = pending[0]!;
    if (first.length >= 4 && pendingBytes < first.readInt32LE(0) && first.readInt32LE(0) <= MAX_MESSAGE_SIZE) return;
    let buf = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
    const replies: Buffer[] = [];
    try {
      while (buf.length >= HEADER_SIZE) {
        const { length } = readHeader(buf);
        if (length < HEADER_SIZE + 5 || length > MAX_MESSAGE_SIZE) throw new Error(`invalid message length ${length}`);
        if (buf.length < length) break;
        const req = parseRequest(buf.subarray(0, length));
        buf = buf.subarray(length);
        const reply = handle(req);
        if (reply instanceof Promise) {
          waiting = true;
          reply
            .then((doc) => {
              waiting = false;
              if (!req.moreToCome) send([encodeReply(req, doc)]);
              pump();
            })
            .catch(fail);
          break;
        }
        if (!req.moreToCome) replies.push(encodeReply(req, reply));
      }
    } catch (err) {
      send(replies);
      return fail(err);
    }
    pending = buf.length > 0 ? [buf] : [];
    pendingBytes = buf.length;
    send(replies);
  };

  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    pending.push(chunk);
    pendingBytes += chunk.length;
    pump();
  });
}
