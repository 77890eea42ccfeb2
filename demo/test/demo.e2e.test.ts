import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAegis, type Aegis } from '@aegis/sdk';
import { generateBank, type Account, type Customer } from '@aegis/demo-bank';
import { parseDemoArgs } from '../src/runner/args.js';
import { connectBank, locateBank, type BankConnection } from '../src/runner/bankConnection.js';
import { runDemo, type DemoResult } from '../src/runner/runDemo.js';
import { startServerProcess, type ServerProcess } from './serverProcess.js';

/**
 * Issue 7, "Done means" 2: the whole demo, non-interactively (`--approve none`), offline, against
 * a real server — and what Aegis decided, seen from the demo, from the server and from the bank.
 */
describe('npm run demo -- --approve none, end to end', () => {
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
        ['--approve', 'none', '--url', server.url, '--api-key', server.apiKey],
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
  });

  afterAll(async () => {
    await admin?.close();
    await bank?.close();
    external?.server.close();
    await server?.stop();
  });

  const verdicts = (agent: string, action: string) =>
    result.tally.calls
      .filter((c) => c.agent === agent && c.action === action)
      .map((c) => c.verdict);

  it('runs all four agents to the end on the scripted model and prints the summary', () => {
    expect(result.failures.size).toBe(0);
    expect([...result.answers.keys()].sort()).toEqual(
      [
        'customer_support',
        'dlp_scene',
        'fraud_detection',
        'kill_switch_scene',
        'loan_processor',
        'marketing_outreach',
        'paused_run_scene',
      ].sort(),
    );
    const text = output.join('\n');
    expect(text).toContain('[scripted offline model');
    expect(text).toMatch(/Total\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+/);
  });

  it('DLP scene: an SSN a tool returned is masked before the model sees it; a card number never leaves', async () => {
    expect(output.join('\n')).toMatch(
      /DLP: 1 result redacted before the model saw it \(ssn\); 1 call blocked for sending card out/,
    );
    expect(verdicts('fraud_detection', 'send_notification')).toEqual(['BLOCKED', 'ALLOWED']);
    const { entries } = await admin.api.audit.list.query({ agent: 'fraud_detection', limit: 200 });
    const redacted = entries.filter(
      (e) => e.action === 'access_ssn' && e.resultEffect === 'REDACT',
    );
    expect(redacted).toHaveLength(1);
    expect(redacted[0]!.findings).toEqual([
      expect.objectContaining({ detector: 'ssn', where: 'result' }),
    ]);
    const blocked = entries.find((e) => e.action === 'send_notification' && e.status === 'BLOCKED');
    expect(blocked?.details).toContain('A card number may not be sent out of the bank');
    // Findings, never values: neither the customer's SSN nor the card number is stored anywhere.
    const ssn = generateBank().customers.find((c) => c._id === 5)!.ssn;
    const stored = JSON.stringify(entries);
    expect(stored).not.toContain(ssn);
    expect(stored).not.toContain('4539 1488 0343 6467');
  });

  it('gives the same tool different outcomes per agent', () => {
    expect(verdicts('customer_support', 'access_ssn')).toEqual(['REVIEW']);
    // (the second is the DLP scene's, whose result is redacted)
    expect(verdicts('fraud_detection', 'access_ssn')).toEqual(['ALLOWED', 'ALLOWED']);
    // the agent's own run, then the paused-run scene's
    expect(verdicts('marketing_outreach', 'export_customer_list')).toEqual(['REVIEW', 'REVIEW']);
    // --approve none: every review was denied (the paused-run scene's and the Loan Processor's
    // two held loans too), so no such call ran.
    expect(result.tally.calls.filter((c) => c.verdict === 'REVIEW').map((c) => c.review)).toEqual([
      'DENIED',
      'DENIED',
      'DENIED',
      'DENIED',
      'DENIED',
    ]);
  });

  it("decides the Loan Processor's loans by their arguments and history: small runs, large waits, a split is caught", async () => {
    expect(verdicts('loan_processor', 'process_application')).toEqual([
      'REVIEW',
      'ALLOWED',
      'REVIEW',
    ]);
    const { entries } = await admin.api.audit.list.query({ agent: 'loan_processor', limit: 200 });
    const loans = entries
      .filter((e) => e.action === 'process_application' && e.source === 'server')
      .reverse()
      .map((e) => ({ status: e.status, rule: e.rule?.id, details: e.details }));
    expect(loans).toEqual([
      {
        status: 'PENDING',
        rule: 'large-loans',
        details: expect.stringContaining('A loan of $15000 is held for a person'),
      },
      { status: 'ALLOWED', rule: 'seed-allowed', details: expect.any(String) },
      {
        status: 'PENDING',
        rule: 'split-loans',
        details: expect.stringContaining('held as a split loan'),
      },
    ]);
    // Only the small loan was recorded by the bank.
    expect(await bank.bank.applications.find({ customer: 5 }).lean()).toEqual([
      expect.objectContaining({ amount: 900 }),
    ]);
    expect(output.join('\n')).toContain('loan_processor: 3 conditional rules on top of its lists');
  });

  it("blocks the Loan Processor's over-reach: no data deleted, no connection made", async () => {
    expect(verdicts('loan_processor', 'delete_records')).toEqual(['BLOCKED']);
    expect(verdicts('loan_processor', 'connect_external')).toEqual(['BLOCKED']);
    expect(external.connections).toBe(0);

    const seeded = generateBank();
    expect(await bank.bank.customers.countDocuments()).toBe(seeded.customers.length);
    expect(await bank.bank.accounts.countDocuments()).toBe(seeded.accounts.length);
    expect(await bank.bank.transactions.countDocuments()).toBe(seeded.transactions.length);
    const customer = await bank.bank.customers.findById(5).lean<Customer>();
    expect(customer?.ssn).toBe(seeded.customers.find((c) => c._id === 5)?.ssn);
    const accounts = await bank.bank.accounts
      .find({ customer: 5 })
      .sort({ _id: 1 })
      .lean<Account[]>();
    expect(accounts.map((a) => a.balance)).toEqual(
      seeded.accounts.filter((a) => a.customer === 5).map((a) => a.balance),
    );
  });

  it('refuses the paused agent (KILLED, tools not run) and lets it work again after revival', async () => {
    const scene = result.tally.calls.filter((c) => c.agent === 'customer_support').slice(-5);
    expect(scene.map((c) => c.verdict)).toEqual([
      'ALLOWED',
      'KILLED',
      'KILLED',
      'ALLOWED',
      'ALLOWED',
    ]);
    // Only the text sent after revival reached the customer.
    expect(await bank.bank.notifications.countDocuments({ customer: 7, channel: 'sms' })).toBe(1);
    const agents = await admin.api.agents.list.query();
    expect(agents.find((a) => a.name === 'customer_support')?.status).toBe('ACTIVE');
  });

  it('resumes a run paused for review in a new agent process, and the model reads the refusal', async () => {
    const text = output.join('\n');
    const killed = /agent process (\d+) killed while request #(\d+) waits/.exec(text);
    const resumed = /resumed run finished in process (\d+) \(request #(\d+) denied\)/.exec(text);
    expect(killed && resumed).toBeTruthy();
    expect(resumed?.[1]).not.toBe(killed?.[1]);
    const heldId = Number(killed?.[2]);
    const answer = result.answers.get('paused_run_scene') ?? '';
    expect(answer).toContain('export_customer_list');
    expect(answer).not.toContain('"exported"');
    const approval = await admin.api.approvals.byId.query({ id: heldId });
    expect(approval.status).toBe('DENIED');
    expect(approval.consumedAt).toBeNull();
    expect(approval.pausedRun?.resumedAt).not.toBeNull();
    // The resumed call was refused by the server, not by the demo: it is on the record.
    const refused = await admin.api.audit.list.query({
      agent: 'marketing_outreach',
      status: ['BLOCKED'],
      limit: 50,
    });
    expect(refused.entries.map((e) => e.action)).toContain('export_customer_list');
  });

  it('leaves the four agents and their activity on the server, for the dashboard', async () => {
    const agents = await admin.api.agents.list.query();
    expect(agents.map((a) => a.name).sort()).toEqual([
      'customer_support',
      'fraud_detection',
      'loan_processor',
      'marketing_outreach',
    ]);
    const loan = await admin.api.audit.list.query({
      agent: 'loan_processor',
      status: ['BLOCKED'],
      limit: 50,
    });
    expect(loan.entries.map((e) => e.action).sort()).toEqual([
      'access_ssn',
      'connect_external',
      'delete_records',
    ]);
    const killed = await admin.api.audit.list.query({
      agent: 'customer_support',
      status: ['KILLED'],
      limit: 50,
    });
    expect(killed.entries).toHaveLength(2);
  });
});

/** A loopback listener standing in for the "external credit bureau"; counts connections. */
async function countingListener(): Promise<{ server: Server; port: number; connections: number }> {
  const state = { server: createServer(() => state.connections++), port: 0, connections: 0 };
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.port = (state.server.address() as AddressInfo).port;
  return state;
}
