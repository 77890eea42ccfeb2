import type { DlpScene } from '../agents/dlpScene.js';
import { runAgent, type AgentRunContext } from './runAgent.js';

/** What the scene showed, for the summary. */
export interface DlpSceneReport {
  answer: string;
  /** Results masked before the model saw them: action and detectors. */
  redacted: Array<{ action: string; detectors: string[] }>;
  /** Calls blocked for what their arguments held: action and rule. */
  blocked: Array<{ action: string; detectors: string[] }>;
}

/**
 * Plays the DLP scene: applies the bank's DLP rules (a global policy, as an admin would with
 * `aegis policy apply`), runs the agent, and reads back from the audit log what DLP did — the
 * record holds findings (detector, where, how many), never the values.
 */
export async function playDlpScene(scene: DlpScene, ctx: AgentRunContext): Promise<DlpSceneReport> {
  const applied = await ctx.aegis.api.policies.applyRules.mutate({
    yaml: scene.policyYaml,
    message: 'demo: the bank’s DLP rules',
  });
  if (!applied.ok) throw new Error(`the demo's DLP policy was refused: ${JSON.stringify(applied)}`);
  const name = scene.agent.name;
  const since = (await ctx.aegis.api.audit.list.query({ agent: name, limit: 1 })).entries[0]?.id ?? 0;
  const answer = await runAgent(scene.agent, ctx);
  await ctx.aegis.flush();
  const { entries } = await ctx.aegis.api.audit.list.query({ agent: name, limit: 50 });
  const mine = entries.filter((e) => e.id > since).reverse();
  const detectorsOf = (e: (typeof mine)[number], where: 'args' | 'result') =>
    [...new Set((e.findings ?? []).filter((f) => f.where === where).map((f) => f.detector))];
  const report: DlpSceneReport = {
    answer,
    redacted: mine.filter((e) => e.resultEffect === 'REDACT').map((e) => ({ action: e.action, detectors: detectorsOf(e, 'result') })),
    blocked: mine
      .filter((e) => e.status === 'BLOCKED' && (e.findings ?? []).some((f) => f.where === 'args'))
      .map((e) => ({ action: e.action, detectors: detectorsOf(e, 'args') })),
  };
  for (const r of report.redacted) {
    ctx.progress.agentEvent(name, `🛡 DLP: the result of ${r.action} held ${r.detectors.join(', ')}: masked before the model saw it`);
  }
  for (const b of report.blocked) {
    ctx.progress.agentEvent(name, `🛡 DLP: ${b.action} carried ${b.detectors.join(', ')}: blocked, nothing was sent`);
  }
  return report;
}

/** The summary's DLP line. */
export function dlpSummary(report: DlpSceneReport): string {
  const redacted = report.redacted.length;
  const blocked = report.blocked.length;
  return `DLP: ${redacted} result${redacted === 1 ? '' : 's'} redacted before the model saw ${redacted === 1 ? 'it' : 'them'} (${[...new Set(report.redacted.flatMap((r) => r.detectors))].join(', ') || 'none'}); ${blocked} call${blocked === 1 ? '' : 's'} blocked for sending ${[...new Set(report.blocked.flatMap((b) => b.detectors))].join(', ') || 'nothing'} out.`;
}
