import { parseArgs } from 'node:util';
import { loadProxyConfig } from './config';
import { startHttpProxy } from './server';

export const PROXY_HELP = `aegis proxy http — Aegis in front of HTTP tools

Usage:
  aegis proxy http --config proxy.yaml [--url URL] [--key KEY]
      an HTTP forward proxy: point the agent's HTTP_PROXY at it. Each request is mapped to an
      action by the config's routes (host, METHOD, path template), decided by Aegis for the
      config's agent, and forwarded only once allowed. Other hosts and endpoints are refused.

Options:
  --config FILE   proxy.yaml (agent, listen, routes)
  --url URL       Aegis server (default: config aegis.url, $AEGIS_URL)
  --key KEY       the agent's key (default: $AEGIS_API_KEY)`;

const log = (line: string) => process.stderr.write(`[aegis proxy] ${line}\n`);

/** Runs `aegis proxy …` (argv after `proxy`); resolves with the exit code once stopped. */
export async function runProxyCli(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      url: { type: 'string' },
      key: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length === 0 || positionals[0] === 'help') {
    process.stdout.write(`${PROXY_HELP}\n`);
    return values.help || positionals[0] === 'help' ? 0 : 1;
  }
  if (positionals[0] !== 'http')
    throw new Error(`unknown proxy "${positionals[0]}"; only \`aegis proxy http\` exists`);
  if (!values.config) throw new Error('aegis proxy http needs --config proxy.yaml');
  const config = await loadProxyConfig(values.config);
  const proxy = await startHttpProxy({ config, url: values.url, apiKey: values.key, log });
  log(
    `listening on ${proxy.url} for agent ${config.agent} (${config.routes.length} ${config.routes.length === 1 ? 'host' : 'hosts'})`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await proxy.close();
  return 0;
}
