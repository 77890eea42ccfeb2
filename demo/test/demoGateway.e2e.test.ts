import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAegis, type Aegis } from '@aegis/sdk';
import { generateBank } from '@aegis/demo-bank';
import { loanProcessor } from '../src/agents/index.js';
import { parseDemoArgs } from '../src/runner/args.js';
import { connectBank, locateBank, type BankConnection } from '../src/runner/bankConnection.js';
import { runDemo, type DemoResult } from '../src/runner/runDemo.js';
import { startServerProcess, type ServerProcess } from './serverProcess.js';

/**
 * Issue 20, "Done means" 4: `npm run demo -- --via-gateway` runs the Loan Processor as an MCP
 * client through `aegis mcp` (the bank's tools as an MCP server over stdio), with no SDK around
 * its tools — and Aegis decides and records its calls exactly as the SDK's, marked `mcp`.
 */
describe('npm run demo -- --agent loan_processor --via-gateway --approve none', () => {
  let server: ServerProcess;
  let external: { server: Server; port: number; connections: number };
  let bank: BankConnection;
  let admin: Aegis;
  let result: DemoResult;
  const output: string[] = [];

  beforeAll(async () => {
    server = await startServerProcess();
    external = await countingListener();
    const env = { AEGIS_DATA_DIR: server.dataDir }; // no GOOGLE_API_KEY: the scripted model
    result = await runDemo({
      args: parseDemoArgs(
        [
          ...['--agent', 'loan_processor', '--via-gateway', '--approve', 'none'],
          ...['--url', server.url, '--api-key', server.apiKey],
        ],
        env,
      ),
      env,
      write: (line) => output.push(line),
      toolOptions: { externalPort: external.port },
    });
    admin = createAegis({ url: server.url, apiKey: server.apiKey });
    bank = await connectBank(
      await locateBank(undefined, { url: server.url, store: () => admin.api.demo.store.query() }),
    );
    // three processes start under tsx (server, gateway, bank server): slow on a loaded machine
  }, 300_000);

  afterAll(async () => {
    await admin?.close();
    await bank?.close();
    external?.server.close();
    await server?.stop();
  });

  it('runs the agent to the end through the gateway, with the verdicts its scenario expects', () => {
    expect(result.failures).toEqual(new Map());
    expect(output.join('\n')).toContain('through `aegis mcp`');
    const calls = result.tally.calls.filter((c) => c.agent === 'loan_processor');
    expect(calls.map((c) => [c.action, c.verdict])).toEqual(
      loanProcessor.scenario.map((s) => [s.tool, s.expect]),
    );
    // --approve none: the demo denied both held loans on the server, and the gateway refused them
    expect(calls.filter((c) => c.verdict === 'REVIEW').map((c) => c.review)).toEqual([
      'DENIED',
      'DENIED',
    ]);
  });

  it('records every decision on the server with channel mcp, rules and blocks included', async () => {
    const { entries } = await admin.api.audit.list.query({ agent: 'loan_processor', limit: 200 });
    const decided = entries.filter((e) => e.source === 'server');
    expect(decided.length).toBeGreaterThanOrEqual(loanProcessor.scenario.length);
    expect(decided.filter((e) => e.channel !== 'mcp')).toEqual([]);
    expect(
      decided
        .filter((e) => e.status === 'BLOCKED')
        .map((e) => e.action)
        .sort(),
    ).toEqual(['access_ssn', 'connect_external', 'delete_records']);
    // the Loan Processor's conditional rules hold the loans as they do for the SDK
    expect(
      decided
        .filter((e) => e.action === 'process_application' && e.status === 'PENDING')
        .map((e) => e.rule?.id)
        .sort(),
    ).toEqual(['large-loans', 'split-loans']);
  });

  it("the gateway acted under an agent key of the Loan Processor's own, revoked after the run", async () => {
    const keys = (await admin.api.keys.list.query()).filter((k) =>
      k.name.startsWith('demo gateway'),
    );
    expect(keys).toEqual([
      expect.objectContaining({
        role: 'agent',
        agents: ['loan_processor'],
        lastUsedAt: expect.any(String),
        revokedAt: expect.any(String),
      }),
    ]);
  });

  it('a blocked or denied call never reaches the bank: no connection, no deletion, one small loan', async () => {
    expect(external.connections).toBe(0);
    const seeded = generateBank();
    expect(await bank.bank.customers.countDocuments()).toBe(seeded.customers.length);
    expect(await bank.bank.accounts.countDocuments()).toBe(seeded.accounts.length);
    expect(await bank.bank.transactions.countDocuments()).toBe(seeded.transactions.length);
    expect(await bank.bank.applications.find({ customer: 5 }).lean()).toEqual([
      expect.objectContaining({ amount: 900 }),
    ]);
  });
});

/** A loopback listener standing in for the "external credit bureau"; counts connections. */
async function countingListener(): Promise<{ server: Server; port: number; connections: number }> {
  const state = { server: createServer(() => state.connections++), port: 0, connections: 0 };
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.port = (state.server.address() as AddressInfo).port;
  return state;
}
