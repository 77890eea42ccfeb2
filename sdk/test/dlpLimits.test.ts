import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AegisBlockedError, type Aegis, type AegisApi } from '../src/index';
import { reviewerFor, sdkFor, startTestServer, uniqueAgent, type TestServer } from './helpers/server';

// Attack review 10: DLP's limits are not a way around a rule over `dlp`. Findings are capped and
// the scan stops past 1 MiB of text or 64 levels; padding the arguments or a result with harmless
// findings (e-mail addresses), or pushing a card past the limits, made `dlp.found('card')` false
// and the card went through a BLOCK. Strict and local mode, through a real server.

const CARD = '4111 1111 1111 1111';
const EMAILS = Array.from({ length: 300 }, (_, i) => `user${i}@example.com`);

function policyFor(agent: string): string {
  return `
kind: AgentPolicy
agent: ${agent}
default: ALLOW
rules:
  - { id: no-cards, actions: [send], when: "dlp.found('card')", effect: BLOCK }
  - { id: no-cards-out, on: result, actions: [lookup], when: "dlp.found('card')", effect: BLOCK }
`;
}

function nested(depth: number): unknown {
  let v: unknown = { card: CARD };
  for (let i = 0; i < depth; i++) v = { v };
  return v;
}

let server: TestServer;
let admin: AegisApi;
let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'aegis-dlp-limits-'));
  server = await startTestServer();
  admin = reviewerFor(server);
});
afterAll(async () => {
  await server?.close();
  await rm(scratch, { recursive: true, force: true });
});

for (const mode of ['strict', 'local'] as const) {
  describe(`DLP limits in ${mode} mode`, () => {
    let aegis: Aegis;
    let agent: string;
    beforeAll(async () => {
      aegis = sdkFor(server, mode === 'local' ? { mode: 'local', spoolPath: path.join(scratch, `${mode}.jsonl`) } : {});
      agent = uniqueAgent(`dlp-limits-${mode}`);
      await aegis.agent(agent, { allows: ['lookup'] }).call('lookup', {}, () => 'warm-up');
      expect((await admin.policies.applyRules.mutate({ yaml: policyFor(agent) })).ok).toBe(true);
      const probe = aegis.agent(agent).guard((_a: { body: string }) => 'sent', { action: 'send' });
      for (let i = 0; i < 100; i++) {
        if ((await probe({ body: CARD }).catch((e: unknown) => e)) instanceof AegisBlockedError) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`${mode} mode never saw the policy`);
    });
    afterAll(async () => {
      await aegis?.close();
    });

    it('a card after 300 e-mail findings in the arguments is still found: blocked, the tool never runs', async () => {
      let ran = false;
      const send = aegis.agent(agent).guard((_a: { list: string[]; body: string }) => (ran = true), { action: 'send' });
      const err = await send({ list: EMAILS, body: `card ${CARD}` }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AegisBlockedError);
      expect(ran).toBe(false);
    });

    const results: Record<string, () => unknown> = {
      'after 300 e-mail findings': () => ({ list: EMAILS, card: CARD }),
      'past 1 MiB of text': () => ({ pad: 'x'.repeat(1100 * 1024), card: CARD }),
      'nested 80 levels deep': () => nested(80),
    };
    for (const [name, make] of Object.entries(results)) {
      it(`a result with a card ${name} is not handed over`, async () => {
        const got = await aegis
          .agent(agent)
          .call('lookup', { id: 1 }, () => make())
          .catch((e: unknown) => e);
        expect(got).toBeInstanceOf(AegisBlockedError);
        expect(JSON.stringify(got)).not.toContain(CARD);
      });
    }

    it('a large result with nothing past the limit a rule looks for still fails closed, and says why', async () => {
      const got = await aegis
        .agent(agent)
        .call('lookup', { id: 2 }, () => ({ pad: 'x'.repeat(1100 * 1024) }))
        .catch((e: unknown) => e);
      expect(got).toBeInstanceOf(AegisBlockedError);
      expect(String((got as Error).message)).toContain('size or depth limit');
    });

    it('a small result without a card is handed over as it is', async () => {
      await expect(aegis.agent(agent).call('lookup', { id: 3 }, () => ({ list: EMAILS }))).resolves.toEqual({ list: EMAILS });
    });
  });
}
