/* global process, console */
// A loopback SMTP sink for the attack scripts: every mail received is appended, parsed, to
// $MAILS (JSON lines: to, subject, text). Run: node attack9/smtpSink.mjs 8305 /tmp/…/mails.jsonl
import { appendFileSync } from 'node:fs';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

const [port = '8305', file = '/tmp/attack9-scratch/mails.jsonl'] = process.argv.slice(2);
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, _session, done) {
    simpleParser(stream)
      .then((mail) => {
        appendFileSync(
          file,
          JSON.stringify({ to: mail.to?.text, subject: mail.subject, text: mail.text }) + '\n',
        );
        done();
      })
      .catch((e) => done(e));
  },
});
server.listen(Number(port), '127.0.0.1', () => console.log(`smtp sink on ${port} → ${file}`));
