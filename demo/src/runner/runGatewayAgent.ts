import type { DemoAgent } from '../agents/index.js';
import {
  connectThroughGateway,
  gatewayTools,
  type GatewayCallOutcome,
  type GatewayConnection,
} from '../gateway/gatewayTools.js';
import { createBankTools } from '../tools/index.js';
import type { DecisionDesk, ReportedDecision } from './decisions.js';
import { registerAgent, runGraph, type AgentRunContext } from './runAgent.js';

export interface GatewayRunContext {
  url: string;
  bankUri: string;
  desk: DecisionDesk;
}

/**
 * Runs one agent with no Aegis SDK around its tools: it calls them as an MCP client through
 * `aegis mcp`, which launches the bank's MCP server and decides every `tools/call` under the
 * agent's identity (an agent key made for the run, revoked after). The decisions are the
 * server's, recorded with channel `mcp`; the demo only reads what came back to print and count it.
 */
export async function runAgentViaGateway(
  agent: DemoAgent,
  ctx: AgentRunContext,
  gw: GatewayRunContext,
): Promise<string> {
  // Its policy, as an admin sets it up; the gateway then finds the agent and leaves it alone.
  await registerAgent(ctx.aegis, agent).register();
  const { key, info } = await ctx.aegis.api.keys.create.mutate({
    name: `demo gateway: ${agent.name}`,
    role: 'agent',
    agents: [agent.name],
  });
  // The gateway holds a reviewed call itself; the dashboard's feed says which approval it opened.
  const open = new Map<string, number[]>();
  const report = (d: Omit<ReportedDecision, 'agent'>) =>
    gw.desk.observe({ agent: agent.name, ...d });
  const off = ctx.aegis.onChange((e) => {
    if (e.type !== 'approval.created' || e.approval.agent !== agent.name) return;
    const { id, action, rule } = e.approval;
    open.set(action, [...(open.get(action) ?? []), id]);
    const reason = rule ? `held by rule ${rule}` : 'held for a person';
    void report({ action, verdict: 'REVIEW', reason, approvalId: id })
      .then(() => gw.desk.decide(id))
      .catch((error: unknown) => ctx.progress.note(`approval #${id}: ${String(error)}`));
  });
  const onOutcome = (o: GatewayCallOutcome): Promise<void> => {
    const held = open.get(o.tool) ?? [];
    const approvalId = o.approvalId ?? held[0] ?? null;
    open.set(
      o.tool,
      held.filter((id) => id !== approvalId),
    );
    const reason = firstSentence(o.result);
    switch (o.code) {
      case undefined: // it ran (the tool's own error included): the decision was ALLOWED
        return report({ action: o.tool, verdict: 'ALLOWED', reason: '', approvalId });
      case 'BLOCKED':
      case 'KILLED':
      case 'UNAVAILABLE':
        return report({ action: o.tool, verdict: o.code, reason, approvalId: null });
      case 'APPROVAL_DENIED':
        return report({ action: o.tool, verdict: 'DENIED', reason, approvalId });
      case 'APPROVAL_TIMEOUT':
        return report({ action: o.tool, verdict: 'TIMEOUT', reason, approvalId });
      default: // the gateway's own refusals: unknown tool, changed pin, withheld result…
        ctx.progress.note(`${agent.name}: ${o.tool}: ${reason}`);
        return Promise.resolve();
    }
  };

  let conn: GatewayConnection | undefined;
  try {
    conn = await connectThroughGateway({
      agent: agent.name,
      url: gw.url,
      agentKey: key,
      bankUri: gw.bankUri,
      externalPort: ctx.toolOptions?.externalPort,
      reviewTimeoutMs: ctx.approvalTimeoutMs,
      log: (line) => ctx.progress.note(line),
    });
    ctx.progress.note(
      `${agent.displayName} calls its tools over MCP through \`aegis mcp\` (no SDK in its process); its decisions are recorded with channel mcp.`,
    );
    const local = createBankTools(ctx.bank, ctx.toolOptions);
    return await runGraph(agent, ctx, await gatewayTools(conn.client, local, onOutcome));
  } finally {
    off();
    await conn?.close();
    await ctx.aegis.api.keys.revoke.mutate({ id: info.id }).catch(() => undefined);
  }
}

/**
 * The refusal's reason for the progress line: its first sentence without the "Aegis blocked
 * "tool":" lead-in (the line names the tool); the rest tells the model not to retry.
 */
function firstSentence(result: GatewayCallOutcome['result']): string {
  const first = result.content.find((c) => c.type === 'text');
  const text = first && 'text' in first ? first.text : '';
  const sentence = text.split(/(?<=\.) The call was not made/)[0] ?? text;
  return sentence.replace(/^Aegis (?:blocked|refused) "[^"]*": /, '');
}
