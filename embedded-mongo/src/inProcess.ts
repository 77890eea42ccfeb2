import { serialize, type Document } from 'bson';
import { decodeDocument } from './bson/codec.js';
import type { CommandContext } from './commands/context.js';
import { handleCommand } from './commands/dispatch.js';
import { MAX_MESSAGE_SIZE } from './limits.js';

/** How an in-process client encodes its commands; the driver's defaults unless told otherwise. */
export interface InProcessOptions {
  /** Leave out fields whose value is `undefined` (the driver's option of that name). @defaultValue `false`: stored as null */
  ignoreUndefined?: boolean;
}

/**
 * Commands from code running in the store's own process, without the socket: no driver, no
 * framing, no system calls, no turn of the event loop. Each command is encoded to BSON and decoded
 * exactly as a socket delivers it (the driver's encoding options; strict UTF-8; numbers keep
 * their BSON types), so the store stores, indexes, logs for change streams and answers it as it
 * would the same command from the driver. The reply is the command's reply document, errors
 * included (`ok: 0`, `writeErrors`): reading them is the caller's job, as it is the driver's.
 */
export interface InProcessClient {
  command(db: string, cmd: Document): Promise<Document>;
}

export function createInProcessClient(
  base: Omit<CommandContext, 'db'>,
  options: InProcessOptions = {},
): InProcessClient {
  const encoding = { checkKeys: false, serializeFunctions: false, ignoreUndefined: options.ignoreUndefined ?? false };
  return {
    command(db, cmd) {
      try {
        // `$db` last, as the driver sends it: the command's name stays the first key.
        const bytes = serialize({ ...cmd, $db: db }, encoding);
        if (bytes.length > MAX_MESSAGE_SIZE) throw new RangeError(`command of ${bytes.length} bytes is larger than the store's limit of ${MAX_MESSAGE_SIZE}`);
        return Promise.resolve(handleCommand(decodeDocument(bytes, { validateUtf8: true }), base));
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
  };
}
