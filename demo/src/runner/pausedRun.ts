import { randomUUID } from 'node:crypto';
import type { PausedRunScene } from '../agents/index.js';
import { createChatModel } from '../model.js';
import type { DecisionDesk, ReportedDecision } from './decisions.js';
import type { AgentRunContext } from './runAgent.js';
import { SceneProcess } from './sceneProcess.js';

/** What the scene's agent processes need that the demo's own context doesn't carry. */
export interface PausedRunSetup {
  url: string;
  apiKey: string | undefined;
  bankUri: string;
  approvalsUrl: string;
}

const START_MS = 120_000;

/**
 * Plays the paused-run scene: an agent process runs until Aegis holds its export for review
 * (the run pauses with `interrupt()`, checkpointed in Aegis's store), and is killed. A person
 * decides — on the dashboard, or the demo itself with --approve all|none — and a new agent
 * process, which never saw the call, resumes the run from the checkpoint and finishes it.
 */
export async function playPausedRunScene(
  scene: PausedRunScene,
  ctx: AgentRunContext,
  desk: DecisionDesk,
  setup: PausedRunSetup,
): Promise<string> {
  const { name } = scene.agent;
  const say = (text: string) => ctx.progress.agentEvent(name, text);
  const env = {
    AEGIS_URL: setup.url,
    ...(setup.apiKey ? { AEGIS_API_KEY: setup.apiKey } : {}),
    SCENE_BANK_URI: setup.bankUri,
    SCENE_THREAD: `demo-paused-run-${randomUUID()}`,
    ...pick(ctx.env, ['GOOGLE_API_KEY', 'GEMINI_MODEL', 'AEGIS_DATA_DIR']),
  };
  let heldId: number | null = null;
  // The resumed call is decided again: ALLOWED settles the approval as approved; a refusal is
  // settled below with how the approval ended.
  const onDecision = (event: ReportedDecision) => {
    const resumed = heldId !== null && event.action === heldAction(scene);
    if (resumed && event.verdict !== 'ALLOWED') return;
    void desk.observe(resumed ? { ...event, approvalId: heldId } : event);
  };

  const { label, kind } = createChatModel(scene.agent.scenario, ctx.env);
  const steps = kind === 'scripted' ? scene.agent.scenario.length : undefined;
  ctx.progress.agentStarted(name, scene.agent.displayName, label, steps);
  const first = new SceneProcess({ ...env, SCENE_PHASE: 'start' }, onDecision);
  let second: SceneProcess | undefined;
  try {
    const outcome = await first.until(['paused', 'finished'], START_MS);
    if (outcome.type === 'finished') return outcome.answer; // a live model that never asked
    heldId = outcome.approvalId;
    say(`⏸ run paused on request #${heldId}, checkpointed in Aegis's store (review by interrupt)`);
    await first.kill();
    say(
      `✖ agent process ${first.pid} killed while request #${heldId} waits: the run lives only in the checkpoint`,
    );

    second = new SceneProcess({ ...env, SCENE_PHASE: 'resume' }, onDecision);
    await second.until(['ready'], START_MS);
    say(`▶ a new agent process (${second.pid}) waits for the decision to resume the run`);
    if (!(await desk.decide(heldId))) {
      ctx.progress.note(
        `Decide request #${heldId} at ${setup.approvalsUrl}?id=${heldId}: the new process resumes the run.`,
      );
    }
    const decisionMs = (ctx.approvalTimeoutMs ?? 300_000) + START_MS;
    const end = await second.until(['finished'], decisionMs);
    if (end.status !== 'APPROVED') {
      await desk.observe({
        agent: name,
        action: heldAction(scene),
        verdict: end.status === 'DENIED' ? 'DENIED' : 'TIMEOUT',
        reason: `request #${heldId} ${String(end.status).toLowerCase()}: the model reads the refusal`,
        approvalId: heldId,
      });
    }
    say(
      `✔ resumed run finished in process ${second.pid} (request #${heldId} ${String(end.status).toLowerCase()})`,
    );
    return end.answer;
  } finally {
    await first.kill();
    await second?.kill();
  }
}

function heldAction(scene: PausedRunScene): string {
  return scene.agent.scenario[scene.resumeFrom - 1]?.tool ?? '';
}

function pick(env: NodeJS.ProcessEnv, names: string[]): Record<string, string> {
  return Object.fromEntries(names.flatMap((n) => (env[n] ? [[n, env[n]]] : [])));
}
