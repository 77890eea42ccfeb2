/**
 * The agent process of the paused-run scene, started by `pausedRun.ts` (never by hand). It speaks
 * one JSON line per message on stdout (see {@link SceneMessage}) and reads its setup from the
 * environment, so no key appears on a command line.
 *
 * - `SCENE_PHASE=start`: runs the task until Aegis holds a call for review, reports `paused`, and
 *   stays up until it is killed — the run lives on only in the checkpoint and in Aegis.
 * - `SCENE_PHASE=resume`: a fresh process with no memory of the call: `resumeOnDecision` finds the
 *   paused run through Aegis and the checkpointer, waits for the person's decision and resumes it.
 */
import { HumanMessage } from '@langchain/core/messages';
import { createReactAgent } from '@langchain/langgraph/prebuilt';
import { createAegis, type DecisionEvent } from '@aegis/sdk';
import { isAegisInterrupt, resumeOnDecision, wrapTools } from '@aegis/sdk/langchain';
import { pausedRunScene } from '../agents/index.js';
import { createChatModel } from '../model.js';
import { createBankTools } from '../tools/index.js';
import { connectBank } from './bankConnection.js';
import { checkpointerOn } from './checkpointer.js';
import { registerAgent } from './runAgent.js';
import type { SceneMessage } from './pausedRunProtocol.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const say = (message: SceneMessage): void => {
  process.stdout.write(`${JSON.stringify(message)}\n`);
};

const phase = env('SCENE_PHASE');
const threadId = env('SCENE_THREAD');
const { agent, resumeFrom } = pausedRunScene;

const aegis = createAegis({
  url: env('AEGIS_URL'),
  apiKey: process.env.AEGIS_API_KEY, // else the SDK's default: <AEGIS_DATA_DIR>/admin.key
  // Only what the demo prints: the arguments stay in this process.
  onDecision: ({ agent, action, verdict, reason, approvalId }: DecisionEvent) => {
    say({ type: 'decision', event: { agent, action, verdict, reason, approvalId } });
  },
});
const bank = await connectBank({ uri: env('SCENE_BANK_URI'), hint: 'The demo passed it.' });
const handle = registerAgent(aegis, agent);
await handle.register();
// The scripted model restarts with the process: it plays the steps after the held call.
const choice = createChatModel(
  phase === 'start' ? agent.scenario : agent.scenario.slice(resumeFrom),
);
const graph = createReactAgent({
  llm: choice.model,
  // The graph's thread is the run: its calls before and after the pause carry the same id.
  tools: wrapTools(handle, createBankTools(bank.bank), { review: 'interrupt', runId: threadId }),
  prompt: agent.systemPrompt,
  checkpointer: checkpointerOn(bank.connection),
});
const config = { configurable: { thread_id: threadId }, recursionLimit: 40 };
const lastText = (out: unknown) =>
  (out as { messages?: Array<{ text?: string }> }).messages?.at(-1)?.text ?? '';

if (phase === 'start') {
  const out = await graph.invoke({ messages: [new HumanMessage(agent.task)] }, config);
  const pause = (out as { __interrupt__?: Array<{ value?: unknown }> }).__interrupt__
    ?.map((i) => i.value)
    .find(isAegisInterrupt);
  if (pause) say({ type: 'paused', approvalId: pause.aegis.approvalId });
  else say({ type: 'finished', status: null, answer: lastText(out) });
  setInterval(() => undefined, 60_000); // up like a service until the demo kills it
} else {
  const resumer = resumeOnDecision(handle, graph, {
    sweepMs: 2_000,
    onResumed: (approval, out) => {
      say({ type: 'finished', status: approval.status, answer: lastText(out) });
      void shutdown(0);
    },
    onError: (error) => {
      process.stderr.write(`resuming failed: ${String(error)}\n`);
      void shutdown(1);
    },
  });
  await resumer.ready;
  say({ type: 'ready' });
  async function shutdown(code: number) {
    resumer.stop();
    await aegis.close();
    await bank.close();
    process.exit(code);
  }
}
