import { createAegis } from '@aegis/sdk';
import { DEMO_AGENTS, dlpScene, killSwitchScene, pausedRunScene, type DemoAgent } from '../agents/index.js';
import type { BankToolOptions } from '../tools/index.js';
import { GATEWAY_AGENT, type DemoArgs } from './args.js';
import { seedBank } from '@aegis/demo-bank';
import { connectBank, locateBank } from './bankConnection.js';
import { checkpointerOn } from './checkpointer.js';
import { holdChangeFeed } from './changeFeed.js';
import { DecisionDesk } from './decisions.js';
import { formatSummary, palette } from './format.js';
import { playKillSwitchScene } from './killSwitch.js';
import { playPausedRunScene } from './pausedRun.js';
import { dlpSummary, playDlpScene, type DlpSceneReport } from './dlpScene.js';
import { Progress } from './progress.js';
import { applyAgentRules } from './agentRules.js';
import { startNotifyReceiver } from './notifyReceiver.js';
import { registerAgent, runAgent, type AgentRunContext } from './runAgent.js';
import { runAgentViaGateway } from './runGatewayAgent.js';
import { Tally } from './tally.js';

export interface RunDemoOptions {
  args: DemoArgs;
  /** Where GOOGLE_API_KEY, GEMINI_MODEL and AEGIS_DATA_DIR are read. @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
  /** Output, one line per call. @defaultValue console.log */
  write?: (line: string) => void;
  /** @defaultValue false */
  color?: boolean;
  toolOptions?: BankToolOptions;
  approvalTimeoutMs?: number;
  /**
   * Asked before `--reset` (without `--yes`) deletes the server's governance data; false stops
   * the demo with nothing deleted. @defaultValue refuses: only the CLI has a terminal to ask on
   */
  confirmReset?: (url: string) => Promise<boolean>;
}

export interface DemoResult {
  tally: Tally;
  /** Each agent's final answer; the kill-switch scene's under `kill_switch_scene`. */
  answers: Map<string, string>;
  failures: Map<string, unknown>;
}

/**
 * The whole demo: reset the bank (and, with `--reset`, the server's governance data), run the
 * chosen agents side by side, play the kill-switch scene, print the summary. The CLI (`main.ts`)
 * and the end-to-end tests both call this.
 */
export async function runDemo(options: RunDemoOptions): Promise<DemoResult> {
  const { args } = options;
  if (args.reset && !args.yes) {
    const confirmed = await (options.confirmReset ?? refuseUnconfirmed)(args.url);
    if (!confirmed) throw new Error(`Not confirmed: nothing was deleted on ${args.url}.`);
  }
  const env = options.env ?? process.env;
  const write = options.write ?? ((line: string) => console.log(line));
  const c = palette(options.color ?? false);
  const agents = args.agents
    .map((name) => DEMO_AGENTS.find((a) => a.name === name))
    .filter((a): a is DemoAgent => !!a);
  const approvalsUrl = `${args.url}/approvals`;

  const tally = new Tally();
  const progress = new Progress(
    write,
    c,
    approvalsUrl,
    agents.map((a) => a.name),
  );
  const desk = new DecisionDesk(tally, progress, args.approve);
  const aegis = createAegis({
    url: args.url,
    apiKey: args.apiKey,
    onDecision: desk.hook,
    onError: (e) => progress.note(`aegis: ${String(e)}`),
  });
  desk.attach(aegis);
  const answers = new Map<string, string>();
  const failures = new Map<string, unknown>();

  let bankConnection;
  try {
    bankConnection = await connectBank(
      await locateBank(args.mongoUri, {
        url: args.url,
        store: () => aegis.api.demo.store.query(),
      }),
    );
  } catch (error) {
    await aegis.close();
    throw error;
  }
  let releaseFeed = () => {};
  let notifier: { close(): Promise<void> } | null = null;
  try {
    progress.banner('Aegis banking demo');
    releaseFeed = await holdChangeFeed(aegis);
    if (args.reset) {
      await aegis.api.demo.reset.mutate();
      progress.note(
        `Deleted every agent, policy, audit entry and approval on ${args.url} (--reset).`,
      );
    } else {
      const known = await aegis.api.agents.list.query();
      progress.note(
        `Adding to what ${args.url} already has (${known.length} agent${known.length === 1 ? '' : 's'}); --reset starts from nothing.`,
      );
    }
    const counts = await seedBank(bankConnection.connection);
    progress.note(
      `Reset the demo bank: ${counts.customers} customers, ${counts.accounts} accounts, ${counts.transactions} transactions.`,
    );
    progress.note(`Dashboard: ${args.url}/   (watch the agents live)`);
    progress.note(reviewNote(args.approve, approvalsUrl));
    if (args.notify) {
      const names = agents.map((a) => a.name);
      notifier = await startNotifyReceiver(aegis, names, (line) => progress.note(line));
    }

    const ctx: AgentRunContext = {
      aegis,
      bank: bankConnection.bank,
      progress,
      env,
      toolOptions: options.toolOptions,
      approvalTimeoutMs: options.approvalTimeoutMs,
      checkpointer: checkpointerOn(bankConnection.connection),
    };
    try {
      await applyAgentRules(aegis, agents, (a) => registerAgent(aegis, a).register(), progress);
    } catch (error) {
      progress.note(
        `Conditional rules not applied (${String(error)}); the agents run on their lists alone.`,
      );
    }
    progress.banner(`Running ${agents.map((a) => a.displayName).join(', ')}`);
    await Promise.all(
      agents.map(async (agent) => {
        try {
          const answer =
            args.viaGateway && agent.name === GATEWAY_AGENT
              ? await runAgentViaGateway(agent, ctx, {
                  url: args.url,
                  bankUri: bankConnection.uri,
                  desk,
                })
              : await runAgent(agent, ctx);
          answers.set(agent.name, answer);
          progress.agentFinished(agent.name, tally.countsFor(agent.name), answer);
        } catch (error) {
          failures.set(agent.name, error);
          progress.agentFailed(agent.name, error);
        }
      }),
    );

    // The scene belongs to its agent: `--agent loan_processor` alone skips it.
    const scene =
      args.killSwitch && args.agents.includes(killSwitchScene.agent.name)
        ? killSwitchScene
        : undefined;
    if (scene) {
      progress.banner(`Kill-switch scene: ${scene.agent.displayName}`);
      try {
        const before = tally.calls.length;
        const answer = await playKillSwitchScene(scene, ctx, desk);
        answers.set('kill_switch_scene', answer);
        progress.agentFinished(
          scene.agent.name,
          tally.countsSince(scene.agent.name, before),
          answer,
        );
      } catch (error) {
        failures.set('kill_switch_scene', error);
        progress.agentFailed(scene.agent.name, error);
      }
    }

    if (args.pausedRun && args.agents.includes(pausedRunScene.agent.name)) {
      const { name, displayName } = pausedRunScene.agent;
      progress.banner(`Paused-run scene: ${displayName} (a review outlives the agent's process)`);
      try {
        const before = tally.calls.length;
        const answer = await playPausedRunScene(pausedRunScene, ctx, desk, {
          url: args.url,
          apiKey: args.apiKey,
          bankUri: bankConnection.uri,
          approvalsUrl,
        });
        answers.set('paused_run_scene', answer);
        progress.agentFinished(name, tally.countsSince(name, before), answer);
      } catch (error) {
        failures.set('paused_run_scene', error);
        progress.agentFailed(name, error);
      }
    }

    let dlp: DlpSceneReport | undefined;
    if (args.dlpScene && args.agents.includes(dlpScene.agent.name)) {
      progress.banner(`DLP scene: ${dlpScene.agent.displayName} (sensitive data in results and arguments)`);
      try {
        const before = tally.calls.length;
        dlp = await playDlpScene(dlpScene, ctx);
        answers.set('dlp_scene', dlp.answer);
        progress.agentFinished(dlpScene.agent.name, tally.countsSince(dlpScene.agent.name, before), dlp.answer);
      } catch (error) {
        failures.set('dlp_scene', error);
        progress.agentFailed(dlpScene.agent.name, error);
      }
    }

    progress.banner('Summary');
    write(formatSummary(tally, agents, c));
    if (dlp) write(dlpSummary(dlp));
    write('');
    write(c.dim(`Full audit trail: ${args.url}/activity`));
    return { tally, answers, failures };
  } finally {
    releaseFeed();
    await notifier?.close();
    await aegis.close();
    await bankConnection.close();
  }
}

function refuseUnconfirmed(url: string): Promise<boolean> {
  return Promise.reject(
    new Error(`--reset would delete all governance data on ${url}: confirm it with --yes.`),
  );
}

function reviewNote(mode: DemoArgs['approve'], approvalsUrl: string): string {
  switch (mode) {
    case 'human':
      return [
        `REVIEW calls wait for you: approve or deny them at ${approvalsUrl}`,
        '  (sign in with the link the server printed, or with the key in .aegis/admin.key;',
        '   or use `npm run aegis -- pending` and `npm run aegis -- approve <id>`). Undecided calls time out as denied.',
      ].join('\n');
    case 'all':
      return 'REVIEW calls are approved automatically (--approve all).';
    case 'none':
      return 'REVIEW calls are denied automatically (--approve none).';
  }
}
