import type { Command } from '../context';
import { required } from '../context';
import { clip, paint, shortTime, statusColour, table } from '../output';

/** `aegis agents`: every agent with its status, risk score and counts. */
export const agents: Command = async ({ api, o }) => {
  const list = await api.agents.list.query();
  if (o.json) return o.out(JSON.stringify(list, null, 2));
  if (list.length === 0) return o.out('No agents registered yet.');
  table(
    o,
    ['NAME', 'STATUS', 'RISK', 'ALLOWED', 'BLOCKED', 'TOTAL', 'OWNER', 'LAST ACTIVITY'],
    list.map((a) => [
      a.name,
      paint(o, statusColour(a.status), a.status),
      `${a.riskScore.toFixed(1)}%`,
      String(a.allowedCount),
      String(a.blockedCount),
      String(a.totalLogs),
      clip(a.owner || '-', 24),
      shortTime(a.lastActivityAt),
    ]),
  );
};

function setStatus(status: 'ACTIVE' | 'PAUSED'): Command {
  return async (ctx) => {
    const name = required(ctx, 0, 'agent name');
    const agent = await ctx.api.agents.setStatus.mutate({ name, status, reason: ctx.options.reason });
    if (ctx.o.json) return ctx.o.out(JSON.stringify(agent, null, 2));
    const what =
      status === 'PAUSED'
        ? 'killed: every call is refused until revived'
        : 'revived: calls are decided by policy again';
    ctx.o.out(`${paint(ctx.o, statusColour(status), status)}  ${agent.name} ${what}`);
  };
}

/** `aegis kill <agent>`: flips the kill-switch on. */
export const kill = setStatus('PAUSED');
/** `aegis revive <agent>`: flips it off. */
export const revive = setStatus('ACTIVE');

/** `aegis status`: the server, who you are, and the overall numbers. */
export const status: Command = async ({ api, o, url }) => {
  const [health, me, stats] = await Promise.all([
    api.health.check.query(),
    api.health.whoami.query(),
    api.stats.get.query(),
  ]);
  if (o.json)
    return o.out(JSON.stringify({ url, version: health.version, principal: me, stats }, null, 2));
  const rows: Array<[string, string]> = [
    ['server', `${url} (version ${health.version})`],
    ['you are', `${me.name} (${me.role})`],
    ['agents', `${stats.registeredAgents} registered, ${stats.activeAgents} active`],
    ['blocks (24 h)', String(stats.blocks24h)],
    ['pending approvals', String(stats.pendingApprovals)],
    [
      'risk level',
      paint(
        o,
        stats.riskLevel === 'LOW' ? 'green' : stats.riskLevel === 'MEDIUM' ? 'yellow' : 'red',
        stats.riskLevel,
      ),
    ],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) o.out(`${k.padEnd(width)}  ${v}`);
};
