import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { startTestServer, type TestServer } from '../helpers/testServer';

/** A real SMTP server on loopback that keeps every message it receives, parsed. */
export async function startSmtp() {
  const mails: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, done) {
      simpleParser(stream)
        .then((mail) => {
          mails.push(mail);
          done();
        })
        .catch((error: unknown) => done(error as Error));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    async waitFor(count: number, ms = 30_000): Promise<ParsedMail[]> {
      const deadline = Date.now() + ms;
      while (mails.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} mails, got ${mails.length}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      return mails;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A test server (in-memory store) whose e-mail channels send to `smtp`: AEGIS_SMTP_URL is read at start. */
export async function startServerMailingTo(smtp: { url: string }): Promise<TestServer> {
  process.env.AEGIS_SMTP_URL = smtp.url;
  try {
    return await startTestServer({ inMemoryStore: true });
  } finally {
    delete process.env.AEGIS_SMTP_URL;
  }
}
