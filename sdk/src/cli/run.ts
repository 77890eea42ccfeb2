import { parseArgs } from 'node:util';
import { resolveApiKey, resolveUrl } from '../config';
import { createTransport } from '../transport';
import { approve, deny, pending } from './commands/approvals';
import { agents, kill, revive, status } from './commands/agents';
import { auditVerify, auditVerifyFile } from './commands/audit';
import { keysCreate, keysList, keysRevoke, keysSignout } from './commands/keys';
import { channelsAdd, channelsDeliveries, channelsList, channelsRemove, channelsTest } from './commands/channels';
import { logs } from './commands/logs';
import { policyAccept, policyProposals, policyReject } from './commands/policy';
import { policyApply, policyDiff, policyGet, policyHistory, policyReplay, policyRollback } from './commands/policyCode';
import { policyTest } from './commands/policyTest';
import { exportReport, governanceApply, governanceViolations, manifest } from './commands/governance';
import type { Command } from './context';
import { checkUrls, CliError, describeFailure, EXIT } from './errors';
import { closestCommand, helpFor } from './help';
import { createOutput, safeLines } from './output';
import { SDK_VERSION } from '../version';

const HELP = `aegis — control Aegis from the terminal

Usage: aegis <command> [arguments] [options]

Commands:
  agents                         list agents with status, risk score and counts
  kill <agent> [--reason TEXT]   flip the agent's kill-switch on (every call refused)
  revive <agent> [--reason TEXT] flip it off again (the reason goes into the audit log)
  logs [agent] [--limit N] [-f]  latest audit entries (default 20); -f/--follow streams new ones
  logs [agent] --since 24h [--until 1h] [--status BLOCKED,DENIED] [--q WORDS] [--source agent,server,person]
       [--action A] [--rule ID] [--detector D] [--run ID] [-o csv|json]
                                 the Activity filter; -o streams every match (server export) to stdout
  pending                        approvals waiting for a human
  approve <id> [--remember]      approve (--remember: allow this action from now on)
  deny <id> [--remember]         deny (--remember: block this action from now on)
  policy apply -f FILE|DIR [--dry-run] [-m MESSAGE]
                                 validate rule documents (YAML), show the diff, apply them together
  policy diff -f FILE|DIR        what apply would change; nothing is stored
  policy get AGENT|--global [-o yaml|json]
                                 the rule document in force (and the agent's lists)
  policy test DIR|FILE…          run kind: PolicyTests cases against the policies (no server);
                                 exit 1 naming each failing case, with what differed
  policy history AGENT|--global [-n N]
                                 versions with author, time and message
  policy rollback AGENT|--global VERSION [-m MESSAGE]
                                 make an earlier version's rules current again (a new version)
  policy replay -f FILE|DIR [--since 7d] [-n LIMIT]
                                 what a candidate would have decided differently on stored calls
  policy proposals [--all]       policy changes agents' code asked for, waiting for an admin
  policy accept <id>             apply a proposed change (admins)
  policy reject <id>             reject it
  status                         server, your role, and overall numbers
  keys create --role R [--agents a,b] [--name N]
                                 create an API key (admin, reviewer, viewer or agent); shown once
  keys list                      list API keys
  keys revoke <id>               revoke an API key
  keys signout                   end every dashboard session opened with this key (it still works)
  audit verify [--head HASH] [--outcome-head HASH]
                                 check the audit log's hash chain and the outcome chain (on the server);
                                 prints both chains' heads: note them apart from the server, and pass them
                                 later — the chains must still hold them, or their newest links were cut off
  audit verify --file REPORT.json [--head HASH] [--outcome-head HASH] [--agents a,b]
                                 check a JSON compliance export offline (no server, no key):
                                 every entry's hash, the links, the head; exit 1 naming the first bad entry
                                 (--head / --outcome-head: heads you noted apart from the file, which the
                                 trail must hold — newest entries or outcome records cut off then show;
                                 an export filtered to some agents passes only with --agents naming them)
  channels add NAME --webhook URL | --slack URL [--signing-secret S] | --email a@x,b@y [--agents a,b]
                                 where approvals are announced, with approve/deny links (admins;
                                 --email needs AEGIS_SMTP_URL on the server)
  channels list | remove NAME | test NAME | deliveries [NAME] [-n N]
                                 channels, and the delivery log (attempts, last error); a channel
                                 that rules in force name (notify:, escalate:) can't be removed
  manifest AGENT [-o json|yaml|cyclonedx]
                                 the agent's manifest: declared tools and tags, observed use, drift
  governance apply -f FILE [--dry-run]
                                 store kind: GovernanceRule YAML (admins), then re-evaluate
  governance violations [--agent A]
                                 open governance violations, most severe first
  export [-o pdf|json|yaml|md|csv] [--since 30d] [--agents a,b] > FILE
                                 the compliance report (csv: the audit trail), streamed
  mcp --agent NAME -- <cmd…>     MCP gateway: Aegis in front of an MCP server (see \`aegis mcp --help\`)
  mcp serve --config FILE        the gateway over Streamable HTTP, for several servers and clients
  proxy http --config FILE       HTTP forward proxy: REST tools decided per request (see \`aegis proxy --help\`)

Options:
  --url URL      server (default: $AEGIS_URL, else http://127.0.0.1:8000)
  --key KEY      API key (default: $AEGIS_API_KEY, else <$AEGIS_DATA_DIR or ./.aegis>/admin.key)
  --json         machine-readable output
  --no-color     no colours (also: NO_COLOR=1; colour is only used on a terminal anyway)

Exit codes: 0 done, 1 failed (unknown agent or id, not allowed, chain broken, bad usage),
2 server unreachable.`;

const commands: Record<string, Command> = {
  agents,
  kill,
  revive,
  logs,
  pending,
  approve,
  deny,
  status,
  'keys create': keysCreate,
  'keys list': keysList,
  'keys revoke': keysRevoke,
  'keys signout': keysSignout,
  'audit verify': auditVerify,
  'policy apply': policyApply,
  'policy diff': policyDiff,
  'policy get': policyGet,
  'policy history': policyHistory,
  'policy rollback': policyRollback,
  'policy replay': policyReplay,
  'policy proposals': policyProposals,
  'policy accept': policyAccept,
  'policy reject': policyReject,
  'channels add': channelsAdd,
  'channels list': channelsList,
  'channels remove': channelsRemove,
  'channels test': channelsTest,
  'channels deliveries': channelsDeliveries,
  manifest,
  export: exportReport,
  'governance apply': governanceApply,
  'governance violations': governanceViolations,
};

/** Commands with a sub-command word (`keys create`, `audit verify`). */
const groups = new Set(['keys', 'audit', 'policy', 'channels', 'governance']);

/** Aliases the seed's `sentinel` CLI used. */
const seedAliases: Record<string, string> = { log: 'logs' };

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function runCli(
  argv: string[],
  opts: { seedAliases?: boolean; program?: string } = {},
): Promise<number> {
  const program = opts.program ?? 'aegis';
  // The gateway has its own options (and a `--` before the upstream's command); loaded only here.
  if (argv[0] === 'mcp' && !opts.seedAliases) return runGateway(argv.slice(1), program);
  if (argv[0] === 'proxy' && !opts.seedAliases) return runProxy(argv.slice(1), program);
  let parsed;
  try {
    // `policy`, `governance` and `audit` commands take -f FILE (elsewhere -f is `logs --follow`)
    // and their own options.
    parsed = takesFiles(argv)
      ? parseArgs({ args: argv, allowPositionals: true, options: policyOptions })
      : parseArgs({ args: argv, allowPositionals: true, options: otherOptions });
  } catch (error) {
    process.stderr.write(
      `${program}: ${(error as Error).message.split('\n')[0]}; see \`${program} help\`\n`,
    );
    return EXIT.failed;
  }
  const { values, positionals } = parsed;
  const o = createOutput(values.json, values['no-color']);
  const [first, ...rest] = positionals;
  const word = first && ((opts.seedAliases && seedAliases[first]) || first);
  if (!word || values.help || word === 'help') {
    const topic = word === 'help' ? rest[0] : word;
    o.out((topic && helpFor(HELP, program, topic)) ?? HELP);
    return word || values.help ? EXIT.ok : EXIT.failed;
  }
  const name = groups.has(word) ? `${word} ${rest[0] ?? ''}`.trim() : word;
  const args = groups.has(word) ? rest.slice(1) : rest;
  const command = commands[name];
  const url = resolveUrl(values.url);
  try {
    // Testing policies needs no server (and no key): it runs the shared engine here.
    if (name === 'policy test') return await policyTest({ o, args, options: values });
    // So does checking an export: an auditor has the file, not necessarily a server or a key.
    const offline: Parameters<typeof auditVerifyFile>[0] = { o, args, options: values };
    if (name === 'audit verify' && offline.options.file?.length)
      return await auditVerifyFile(offline);
    if (!command) throw new CliError(unknownCommand(name, program));
    checkUrls(url);
    const apiKey = resolveApiKey(values.key);
    if (!apiKey)
      throw new CliError(
        'no API key: pass --key, set AEGIS_API_KEY (or AEGIS_API_KEY_FILE), or run where the server ' +
          'wrote .aegis/admin.key (or set AEGIS_DATA_DIR to its data directory)',
      );
    const api = createTransport({ url, apiKey, requestTimeoutMs: 15_000 });
    const code = await command({ api, o, url, apiKey, args, options: values });
    return code ?? EXIT.ok;
  } catch (error) {
    const { message, exitCode } = describeFailure(error, url);
    o.err(`${program}: ${message}`);
    return exitCode;
  }
}

/** `unknown command "agnets" (did you mean "agents"?)`: the nearest command, when there is one. */
function unknownCommand(name: string, program: string): string {
  const known = [...Object.keys(commands), ...groups, 'mcp', 'proxy', 'help'];
  const guess = closestCommand(name, known);
  const hint = guess ? ` (did you mean "${guess}"?)` : '';
  return `unknown command "${name}"${hint}; see \`${program} help\``;
}

async function runProxy(argv: string[], program: string): Promise<number> {
  try {
    const { runProxyCli } = await import('../proxy/cli');
    return await runProxyCli(argv);
  } catch (error) {
    // An upstream's or server's text may be in the message: the same guard as every CLI line.
    process.stderr.write(
      `${safeLines(`${program} proxy: ${error instanceof Error ? error.message : String(error)}`, false)}\n`,
    );
    return EXIT.failed;
  }
}

const commonOptions = {
  url: { type: 'string' },
  key: { type: 'string' },
  json: { type: 'boolean', default: false },
  'no-color': { type: 'boolean', default: false },
  limit: { type: 'string', short: 'n' },
  all: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const otherOptions = {
  ...commonOptions,
  follow: { type: 'boolean', short: 'f' },
  role: { type: 'string' },
  agents: { type: 'string' },
  name: { type: 'string' },
  remember: { type: 'boolean' },
  reason: { type: 'string' },
  // logs: the Activity filter, and -o csv|json for a streamed export
  output: { type: 'string', short: 'o' },
  since: { type: 'string' },
  until: { type: 'string' },
  agent: { type: 'string' },
  status: { type: 'string' },
  source: { type: 'string' },
  action: { type: 'string' },
  rule: { type: 'string' },
  detector: { type: 'string' },
  run: { type: 'string' },
  q: { type: 'string' },
  webhook: { type: 'string' },
  slack: { type: 'string' },
  email: { type: 'string' },
  'signing-secret': { type: 'string' },
} as const;

const policyOptions = {
  ...commonOptions,
  file: { type: 'string', short: 'f', multiple: true },
  'dry-run': { type: 'boolean' },
  output: { type: 'string', short: 'o' },
  message: { type: 'string', short: 'm' },
  global: { type: 'boolean' },
  since: { type: 'string' },
  agent: { type: 'string' },
  // audit verify [--file]: head hashes noted apart from the server; --file: the agents asked for
  head: { type: 'string' },
  'outcome-head': { type: 'string' },
  agents: { type: 'string' },
} as const;

/** Whether the command takes -f FILE (options may come first: `aegis --json policy get x`). */
function takesFiles(argv: readonly string[]): boolean {
  const { positionals } = parseArgs({ args: [...argv], strict: false, allowPositionals: true, options: { url: { type: 'string' }, key: { type: 'string' } } });
  // governance apply takes -f FILE like the policy commands
  return positionals[0] === 'policy' || positionals[0] === 'governance' || positionals[0] === 'audit';
}

async function runGateway(argv: string[], program: string): Promise<number> {
  try {
    const { runMcpCli } = await import('../mcp/cli');
    return await runMcpCli(argv, SDK_VERSION);
  } catch (error) {
    process.stderr.write(
      `${safeLines(`${program} mcp: ${error instanceof Error ? error.message : String(error)}`, false)}\n`,
    );
    return EXIT.failed;
  }
}
