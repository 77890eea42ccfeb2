import type { KillSwitchScene } from '../agents/index.js';
import type { DecisionDesk } from './decisions.js';
import { runAgent, type AgentRunContext } from './runAgent.js';

/**
 * Plays the kill-switch scene: the agent starts a task; after its first decided call an operator
 * pauses it (the same switch as the dashboard's and `aegis kill`), its next calls come back
 * KILLED without running; then it is revived and finishes. The pause and revival happen inside
 * the decision hook, which the SDK awaits, so they land exactly between two calls.
 */
export async function playKillSwitchScene(
  scene: KillSwitchScene,
  ctx: AgentRunContext,
  desk: DecisionDesk,
): Promise<string> {
  const { name } = scene.agent;
  const setStatus = (status: 'ACTIVE' | 'PAUSED') =>
    ctx.aegis.api.agents.setStatus.mutate({ name, status });
  let decided = 0;
  let paused = false;

  const stop = desk.listen(async (event) => {
    // A review's outcome is not a new call; count each call once.
    if (event.agent !== name || event.verdict === 'DENIED' || event.verdict === 'TIMEOUT') return;
    decided++;
    if (decided === scene.pauseAfterCalls) {
      await setStatus('PAUSED');
      paused = true;
      ctx.progress.agentEvent(
        name,
        `⏸ operator hits the kill-switch: ${name} is PAUSED, its calls are refused`,
      );
    } else if (decided === scene.reviveAfterCalls && paused) {
      await setStatus('ACTIVE');
      paused = false;
      ctx.progress.agentEvent(name, `▶ operator revives ${name}: ACTIVE again`);
    }
  });
  try {
    const answer = await runAgent(scene.agent, ctx);
    if (!paused) return answer;
    // A live model may give up once refused, before the revival point: revive it and let it
    // take the task again, so the scene always shows the agent working after revival.
    await setStatus('ACTIVE');
    paused = false;
    ctx.progress.agentEvent(
      name,
      `▶ operator revives ${name}: ACTIVE again; the task is run again`,
    );
    return await runAgent(scene.agent, ctx);
  } finally {
    stop();
    // Never leave the agent paused, even if the run failed halfway.
    if (paused) await setStatus('ACTIVE');
  }
}
