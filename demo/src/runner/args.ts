import { parseArgs } from 'node:util';
import { DEMO_AGENTS } from '../agents/index.js';

/** The agent `--via-gateway` runs through `aegis mcp`: its blocks, reviews and rule-held split. */
export const GATEWAY_AGENT = 'loan_processor';

/** How REVIEW calls are settled: by a person on the dashboard, or automatically. */
export type ApproveMode = 'human' | 'all' | 'none';

export interface DemoArgs {
  /** Agent names to run; all four when `--agent` is not given. */
  agents: string[];
  approve: ApproveMode;
  url: string;
  apiKey: string | undefined;
  mongoUri: string | undefined;
  killSwitch: boolean;
  /** Play the paused-run scene (review by interrupt across a process restart). */
  pausedRun: boolean;
  /** Play the DLP scene (Fraud Detection's SSN redacted, a card number blocked). */
  dlpScene: boolean;
  /** Run the Loan Processor's tool calls through an `aegis mcp` gateway instead of the SDK. */
  viaGateway: boolean;
  /** Start a local webhook receiver and print the approve/deny links it gets (`--notify`). */
  notify: boolean;
  /** Wipe the server's governance data first (`--reset`), after a confirmation unless `yes`. */
  reset: boolean;
  yes: boolean;
  help: boolean;
}

export const USAGE = `Usage: npm run demo -- [options]

Runs the four banking agents against a running Aegis server (start it with \`npm start\`).
The server's agents, policies, audit log and approvals are kept: the demo adds to them. The demo
bank (its own database) is reset to the same data on every run.

Options:
  --agent <name>        run one agent (repeatable): ${DEMO_AGENTS.map((a) => a.name).join(', ')}
  --approve <mode>      settle REVIEW calls: human (default; wait for the dashboard), all, none
  --no-kill-switch      skip the kill-switch scene
  --no-paused-run       skip the paused-run scene (a review survives the agent's restart)
  --no-dlp-scene        skip the DLP scene (sensitive data in arguments and results)
  --via-gateway         run the Loan Processor as an MCP client through an \`aegis mcp\` gateway
                        (the bank's tools as an MCP server over stdio) instead of the in-process SDK
  --notify              start a local webhook receiver, announce approvals to it and print
                        their approve/deny links (admin key)
  --reset               first delete ALL agents, policies, audit entries and approvals on the
                        server (asks for confirmation)
  -y, --yes             confirm --reset without asking (scripts, CI)
  --url <url>           Aegis server (default: $AEGIS_URL or http://127.0.0.1:8000)
  --api-key <key>       API key (default: $AEGIS_API_KEY or .aegis/admin.key)
  --mongo-uri <uri>     where the bank data lives (default: $MONGO_URI, else the server's answer to
                        where its embedded store is)
  -h, --help            show this help

Without GOOGLE_API_KEY the agents run on a scripted offline model; with it, on Gemini
($GEMINI_MODEL, default gemini-2.5-flash-lite).`;

/** Parses the runner's flags; throws a message fit for the terminal on bad input. */
export function parseDemoArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): DemoArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      agent: { type: 'string', multiple: true },
      approve: { type: 'string', default: 'human' },
      'no-kill-switch': { type: 'boolean', default: false },
      'no-paused-run': { type: 'boolean', default: false },
      'no-dlp-scene': { type: 'boolean', default: false },
      'via-gateway': { type: 'boolean', default: false },
      notify: { type: 'boolean', default: false },
      reset: { type: 'boolean', default: false },
      yes: { type: 'boolean', short: 'y', default: false },
      url: { type: 'string' },
      'api-key': { type: 'string' },
      'mongo-uri': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });

  const approve = values.approve;
  if (approve !== 'human' && approve !== 'all' && approve !== 'none') {
    throw new Error(`--approve must be human, all or none (got "${approve}")`);
  }
  const known = new Set(DEMO_AGENTS.map((a) => a.name));
  const agents = values.agent ?? DEMO_AGENTS.map((a) => a.name);
  for (const name of agents) {
    if (!known.has(name))
      throw new Error(`unknown agent "${name}"; choose from ${[...known].join(', ')}`);
  }
  if (values['via-gateway'] && !agents.includes(GATEWAY_AGENT)) {
    throw new Error(
      `--via-gateway runs ${GATEWAY_AGENT} through the gateway: include it in --agent`,
    );
  }
  if (values.yes && !values.reset) throw new Error('--yes confirms --reset; give both or neither');
  return {
    agents: [...new Set(agents)],
    approve,
    url: (values.url ?? env.AEGIS_URL ?? 'http://127.0.0.1:8000').replace(/\/+$/, ''),
    apiKey: values['api-key'] ?? env.AEGIS_API_KEY,
    mongoUri: values['mongo-uri'] ?? env.MONGO_URI,
    killSwitch: !values['no-kill-switch'],
    pausedRun: !values['no-paused-run'],
    dlpScene: !values['no-dlp-scene'],
    viaGateway: values['via-gateway'],
    notify: values.notify,
    reset: values.reset,
    yes: values.yes,
    help: values.help,
  };
}
