// A TypeScript project (module and moduleResolution node16, strict, no skipLibCheck) using the
// packed SDK: it must type-check against the package's own declarations — the server's router
// types included — and, compiled, make a guarded call against the server in AEGIS_URL.
import {
  AegisBlockedError,
  createAegis,
  type AegisDecision,
  type AgentSummary,
  type DecisionEvent,
} from '@aegis/sdk';
import type { EmbeddedMongoOptions } from 'embedded-mongo';

const verdicts: DecisionEvent['verdict'][] = [];
const aegis = createAegis({
  url: process.env.AEGIS_URL,
  apiKey: process.env.AEGIS_API_KEY,
  onDecision: (event) => void verdicts.push(event.verdict),
});
const agent = aegis.agent(process.env.AGENT ?? 'typed-consumer', {
  allows: ['lookup'],
  blocks: ['drop'],
});
const lookup = agent.guard((q: { id: number }) => `balance of ${q.id}`, { action: 'lookup' });
const drop = agent.guard(() => 'dropped', { action: 'drop' });

const allowed: string = await lookup({ id: 7 });
const blocked = await drop().then(
  () => 'ran',
  (e: unknown) => (e instanceof AegisBlockedError ? e.code : String(e)),
);
// The router's types came with the package: an agent summary straight from the server.
const agents: AgentSummary[] = await aegis.api.agents.list.query();
const listed = agents.some((a) => a.name === agent.name && typeof a.riskScore === 'number');
await aegis.close();
process.stdout.write(`${JSON.stringify({ allowed, blocked, listed, verdicts })}\n`);

/** Never called: mistakes the published types must reject (each line fails to compile). */
export function rejectedByTheTypes(decision: AegisDecision, options: EmbeddedMongoOptions): void {
  // @ts-expect-error 'MAYBE' is not a verdict
  const verdict: AegisDecision['verdict'] = 'MAYBE';
  // @ts-expect-error the guarded function keeps its argument type
  void lookup({ id: 'seven' });
  // @ts-expect-error procedure inputs are the server's: there is no `nme`
  void aegis.api.agents.byName.query({ nme: 'x' });
  // @ts-expect-error an audit id is a number
  const auditId: string = decision.auditId;
  // @ts-expect-error the store's options are typed too
  const dir: number = options.dir;
  void [verdict, auditId, dir];
}
