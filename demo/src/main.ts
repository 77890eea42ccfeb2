/**
 * `npm run demo`: four LangGraph banking agents, every tool call decided by a running Aegis
 * server. See `npm run demo -- --help`.
 */
import { parseDemoArgs, USAGE, type DemoArgs } from './runner/args.js';
import { askToConfirmReset } from './runner/confirmReset.js';
import { runDemo } from './runner/runDemo.js';

async function main(): Promise<number> {
  let args: DemoArgs;
  try {
    args = parseDemoArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const color = process.stdout.isTTY && !process.env.NO_COLOR;
  const result = await runDemo({ args, color, confirmReset: (url) => askToConfirmReset(url) });
  return result.failures.size > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`The demo could not run: ${message}\n`);
    // The bank's own connection errors already say what to do; this is about the Aegis server.
    if (
      !message.startsWith('Cannot reach the bank') &&
      /ECONNREFUSED|fetch failed|unreachable/i.test(message)
    ) {
      process.stderr.write(
        'Is the Aegis server running? Start it with `npm start` in another terminal.\n',
      );
    }
    process.exit(1);
  },
);
