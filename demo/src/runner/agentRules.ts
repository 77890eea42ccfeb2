import type { Aegis } from '@aegis/sdk';
import type { DemoAgent } from '../agents/index.js';
import type { Progress } from './progress.js';

/**
 * Applies the chosen agents' conditional rules before they run, as an admin would with
 * `aegis policy apply` (an unchanged document makes no new version). The agents must exist for a
 * rule document to name them, so they are registered first — with the lists their code declares.
 */
export async function applyAgentRules(
  aegis: Aegis,
  agents: readonly DemoAgent[],
  register: (agent: DemoAgent) => Promise<unknown>,
  progress: Progress,
): Promise<void> {
  const withRules = agents.filter((a) => a.rules);
  if (withRules.length === 0) return;
  await Promise.all(withRules.map(register));
  const applied = await aegis.api.policies.applyRules.mutate({
    yaml: withRules.map((a) => a.rules).join('---\n'),
    message: 'demo: conditional rules',
  });
  if (!applied.ok) {
    throw new Error(`the demo's rule documents were refused: ${JSON.stringify(applied.problems)}`);
  }
  for (const p of applied.policies) {
    const rules =
      withRules.find((a) => a.name === p.agent)?.rules?.match(/^ {2}- id: /gm)?.length ?? 0;
    progress.note(
      `${p.agent}: ${rules} conditional rule${rules === 1 ? '' : 's'} on top of its lists (policy v${p.version}${p.changed ? ', applied now' : ''}).`,
    );
  }
}
