import { createInterface } from 'node:readline/promises';
import type { Readable, Writable } from 'node:stream';

/** The word a person types to confirm `--reset`; "y" is too easy to type by habit. */
export const CONFIRM_WORD = 'reset';

/**
 * Asks before `--reset` deletes a server's governance data. Without a terminal to ask on it
 * refuses (pipes and CI must say `--yes`), so nothing is deleted by a script that forgot to.
 */
export async function askToConfirmReset(
  url: string,
  io: { input: Readable & { isTTY?: boolean }; output: Writable } = {
    input: process.stdin,
    output: process.stdout,
  },
): Promise<boolean> {
  if (!io.input.isTTY) {
    throw new Error(
      `--reset deletes every agent, policy, audit entry and approval on ${url}; ` +
        'there is no terminal to confirm it on, so add --yes if that is what you want.',
    );
  }
  const rl = createInterface({ input: io.input, output: io.output });
  try {
    const answer = await rl.question(
      `--reset deletes every agent, policy, audit entry and approval on ${url}. ` +
        `This cannot be undone. Type "${CONFIRM_WORD}" to continue: `,
    );
    return answer.trim().toLowerCase() === CONFIRM_WORD;
  } finally {
    rl.close();
  }
}
