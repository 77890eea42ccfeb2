import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBankTools } from '../src/tools/index.js';
import { startTestBank, type TestBank } from '../../demo-bank/test/bankStore.js';

/** A loopback listener standing in for an "external" server; it records what reaches it. */
async function listen(): Promise<{ server: Server; port: number; received: string[] }> {
  const received: string[] = [];
  const server = createServer((socket) => socket.on('data', (d) => received.push(d.toString())));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, received };
}

describe('the dangerous tools are real', () => {
  let t: TestBank;
  beforeAll(async () => {
    t = await startTestBank();
  });
  afterAll(() => t.close());

  it('delete_records really deletes a customer and everything they own', async () => {
    const tool = createBankTools(t.bank).find((x) => x.name === 'delete_records')!;
    const accountIds = (await t.bank.accounts.find({ customer: 5 }).lean()).map((a) => a._id);
    expect(accountIds.length).toBeGreaterThan(0);

    const result = JSON.parse(String(await tool.invoke({ customer_id: 5 })));

    expect(result.deleted.accounts).toBe(accountIds.length);
    expect(await t.bank.customers.findById(5)).toBeNull();
    expect(await t.bank.accounts.countDocuments({ customer: 5 })).toBe(0);
    expect(await t.bank.transactions.countDocuments({ account: { $in: accountIds } })).toBe(0);
    expect(await t.bank.customers.countDocuments()).toBe(9);
  });

  it('connect_external really connects to the default loopback port and sends the payload', async () => {
    const external = await listen();
    try {
      const tool = createBankTools(t.bank, { externalPort: external.port }).find(
        (x) => x.name === 'connect_external',
      )!;
      const result = JSON.parse(String(await tool.invoke({ payload: 'customer data' })));
      expect(result).toMatchObject({ connected: true, port: external.port });
      await expect.poll(() => external.received.join('')).toBe('customer data');
    } finally {
      external.server.close();
    }
  });

  it('connect_external refuses non-loopback hosts before opening any socket', async () => {
    const tool = createBankTools(t.bank).find((x) => x.name === 'connect_external')!;
    await expect(tool.invoke({ host: 'exfil.example.com', port: 443 })).rejects.toThrow(/loopback/);
  });
});
