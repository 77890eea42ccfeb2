import type { ReportedDecision } from './decisions.js';

/** One line the scene's agent process writes on stdout. */
export type SceneMessage =
  | { type: 'decision'; event: ReportedDecision }
  /** The run is paused on this approval and checkpointed. */
  | { type: 'paused'; approvalId: number }
  /** The new process's resumer is listening for the decision. */
  | { type: 'ready' }
  /** The run ended: after a resume (with how its approval was decided) or without pausing. */
  | { type: 'finished'; status: string | null; answer: string };
