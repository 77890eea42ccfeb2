import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Aegis } from '@aegis/sdk';

const CHANNEL = 'demo-webhook';

interface Message {
  type: string;
  approval: { id: number; agent: string; action: string } | null;
  links: { approve: string; deny: string } | null;
}

/**
 * `--notify`: a local webhook receiver standing in for a chat tool. It registers itself as a
 * webhook channel following the demo's agents, checks each message's signature the way the README
 * shows, and prints the approve/deny links (they open the confirmation page; sign in to the
 * dashboard to confirm).
 */
export async function startNotifyReceiver(
  aegis: Aegis,
  agents: string[],
  note: (line: string) => void,
) {
  let secret = '';
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const timestamp = String(req.headers['x-aegis-timestamp'] ?? '');
      const expected = Buffer.from(
        'v1=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex'),
      );
      const given = Buffer.from(String(req.headers['x-aegis-signature'] ?? ''));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.statusCode = 401;
        res.end();
        note('webhook: a message with a bad signature was refused');
        return;
      }
      res.end('ok');
      const m = JSON.parse(body) as Message;
      if (!m.approval || !m.links) return;
      note(
        `webhook (signature ok): ${m.type} #${m.approval.id}: ${m.approval.agent} wants ${m.approval.action}`,
      );
      note(`  approve: ${m.links.approve}`);
      note(`  deny:    ${m.links.deny}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/aegis`;
  // A channel left by an earlier run points at a port that is gone: replace it.
  await aegis.api.channels.remove.mutate({ name: CHANNEL }).catch(() => undefined);
  const created = await aegis.api.channels.create.mutate({
    name: CHANNEL,
    kind: 'webhook',
    url,
    agents,
  });
  secret = created.secret ?? '';
  note(
    `Notifications: approvals of the demo's agents are posted to ${url} (channel ${CHANNEL}); links print below.`,
  );
  return {
    async close() {
      await aegis.api.channels.remove.mutate({ name: CHANNEL }).catch(() => undefined);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
