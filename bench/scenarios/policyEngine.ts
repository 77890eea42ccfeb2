import { readFile } from 'node:fs/promises';
import {
  compileEffective,
  compilePolicy,
  parsePolicyYaml,
  evaluatePolicy,
  factNeedsFor,
  policyDocumentYaml,
  policySet,
  type AgentPolicyDocument,
  type PolicyDocument,
  type PolicyRuleSpec,
  type PolicySet,
} from '@aegis/shared';
import type { AegisApi } from '../../sdk/src/index';
import type { BenchServer } from '../harness';
import { BULK_ACTIONS } from './auditQueries';
import { watchStalls } from './governance';
import {
  describePaired,
  pairedDifference,
  permutations,
  signed,
  summarize,
  yieldToLoop,
  type PairedDifference,
} from '../stats';
import { fmtMs, type BenchConfig, type GoalCheck, type Row, type ScenarioResult } from '../types';

const SCENARIO = '14 policy engine';
/** The replay goal's size (issue 14): every stored decision of scenario 6's full run. */
const REPLAY_GOAL_ENTRIES = 1_000_000;

/** Actions whose rules hold CEL conditions over the call (4 conditions each: 20 in all). */
const CEL_ACTIONS = [
  'wire_transfer',
  'send_email',
  'export_data',
  'read_customer',
  'lookup_balance',
];
/** Actions whose rule reads `history` (one each: 5 in all); the first is a count, measured apart. */
const HISTORY_ACTIONS = [
  'access_ssn',
  'close_account',
  'issue_refund',
  'reset_password',
  'update_limit',
];
/**
 * What a decided call carries: no condition of the 100-rule policy is true for it (→ ALLOWED), and
 * nothing DLP finds (a finding makes the server schedule a governance evaluation of the agent: not
 * what this scenario measures).
 */
const ARGS = {
  customer_id: 42,
  amount: 250,
  currency: 'EUR',
  to: 'acct-treasury',
  memo: 'invoice INV-42',
};

type Header = { kind: 'AgentPolicy'; agent: string } | { kind: 'GlobalPolicy' };

/**
 * The four conditions of one action, all REVIEW or BLOCK so each is evaluated before the action's
 * ALLOW rule can decide: a number compared, a string's prefix, a substring, a label lookup.
 * `salt` makes the texts distinct (the compile rows measure uncached conditions).
 */
function celRules(action: string, i: number, salt = ''): PolicyRuleSpec[] {
  const s = salt ? ` && '${salt}' != ''` : '';
  return [
    {
      id: `${action}-large`,
      actions: [action],
      when: `has(args.amount) && args.amount > ${1000 + i}.0${s}`,
      effect: 'REVIEW',
      reason: '{{ action }} of {{ args.amount }} needs a person',
    },
    {
      id: `${action}-outside`,
      actions: [action],
      when: `has(args.to) && !args.to.startsWith('acct-')${s}`,
      effect: 'REVIEW',
    },
    {
      id: `${action}-secret`,
      actions: [action],
      when: `has(args.memo) && (args.memo.contains('password') || args.memo.contains('secret'))${s}`,
      effect: 'BLOCK',
      severity: 'critical',
    },
    {
      id: `${action}-restricted`,
      actions: [action],
      when: `('tier' in agent.labels && agent.labels['tier'] == 'restricted') || (has(args.customer_id) && args.customer_id >= ${990 + i}.0)${s}`,
      effect: 'REVIEW',
    },
  ];
}

/** Five history rules, one per action: counts and sums over the agent's recent ALLOWED calls. */
function historyRules(actions: string[], field: string, salt = ''): PolicyRuleSpec[] {
  const s = salt ? ` && '${salt}' != ''` : '';
  const when = [
    // The one the strict "history" row decides: a count over the last minute (never reached here).
    (a: string) => `history.count('${a}', duration('1m')) >= 100000${s}`,
    (a: string) => `history.sum('${a}', '${field}', duration('24h')) > 50000000.0${s}`,
    (a: string) => `history.count('${a}', duration('1h')) > 50000${s}`,
    (a: string) =>
      `history.sum('${a}', '${field}', duration('1h')) + (has(args.${field}) ? args.${field} : 0.0) > 90000000.0${s}`,
    (a: string) => `history.count('${a}', duration('24h')) >= 900000${s}`,
  ];
  return actions.map((a, i) => ({
    id: `${a}-rate-${i}`,
    actions: [a],
    when: when[i % when.length]!(a),
    effect: 'BLOCK',
  }));
}

/**
 * The 100-rule policy: 20 rules with CEL conditions (4 on each of `celActions`), 5 reading history,
 * and 75 plain ones — an ALLOW for every action above, and services' reads, writes and admin
 * actions (ALLOW, REVIEW, BLOCK; some by glob) as an organisation's policy lists them.
 * `rules` = 1,000 scales it up (200 conditions, 50 history, 750 plain) for the compile rows.
 */
export function ruleDocument(
  header: Header,
  opts: {
    celActions?: string[];
    historyActions?: string[];
    historyField?: string;
    rules?: number;
    salt?: string;
  } = {},
): PolicyDocument {
  const celActions = opts.celActions ?? CEL_ACTIONS;
  const historyActions = opts.historyActions ?? HISTORY_ACTIONS;
  const total = opts.rules ?? 100;
  const groups = total / 100;
  const rules: PolicyRuleSpec[] = [];
  for (let g = 0; g < groups; g++) {
    const suffix = g === 0 ? '' : `_${g}`;
    const cel = celActions.map((a) => a + suffix);
    const hist = historyActions.map((a) => a + suffix);
    cel.forEach((a, i) => rules.push(...celRules(a, i + g, opts.salt)));
    rules.push(...historyRules(hist, opts.historyField ?? 'amount', opts.salt));
    // One ALLOW per conditioned action (an action in both lists gets one).
    for (const a of new Set([...cel, ...hist]))
      rules.push({ id: `allow-${a}`, actions: [a], effect: 'ALLOW' });
    const plain = 100 - 25 - new Set([...cel, ...hist]).size;
    for (let k = 0; k < plain; k++) {
      const svc = `svc${String(g * 100 + k).padStart(3, '0')}`;
      if (k % 10 === 9)
        rules.push({ id: `${svc}-admin`, actions: [`${svc}_admin_*`], effect: 'BLOCK' });
      else if (k % 5 === 4)
        rules.push({
          id: `${svc}-write`,
          actions: [`${svc}_write`, `${svc}_delete`],
          effect: 'REVIEW',
        });
      else
        rules.push({
          id: `${svc}-read`,
          actions: [`${svc}_read`, `${svc}_list`, `${svc}_get`],
          effect: 'ALLOW',
        });
    }
  }
  if (rules.length !== total)
    throw new Error(`bench: the policy has ${rules.length} rules, not ${total}`);
  return { ...header, rules };
}

/** The 100-rule policy's unconditional rules as seed lists (the flat-list policy): allowed, review, blocked. */
function flatLists() {
  const doc = ruleDocument({ kind: 'AgentPolicy', agent: 'x' });
  const of = (effect: string) =>
    [...new Set(doc.rules.filter((r) => r.effect === effect && !r.when).flatMap((r) => r.actions))]
      // the seed's lists hold names; the globbed admin actions become one name each
      .map((a) => a.replace('*', 'all'));
  return { allows: of('ALLOW'), review: of('REVIEW'), blocks: of('BLOCK') };
}

/** Every order of `items` (3 kinds: 6 orders). */
/** Resident memory of a process (MiB), from /proc; null where /proc is not there. */
async function rssMiB(pid: number | undefined): Promise<number | null> {
  if (!pid) return null;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => null);
  const kb = status && /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : null;
}

async function apply(server: BenchServer, doc: PolicyDocument): Promise<number> {
  const applied = await server.admin.policies.applyRules.mutate({
    yaml: policyDocumentYaml(doc),
    message: 'bench 14',
  });
  if (!applied.ok)
    throw new Error(
      `bench: the policy was refused: ${JSON.stringify(applied.problems).slice(0, 500)}`,
    );
  return applied.policies[0]?.version ?? 0;
}

/** Callers deciding at once in the concurrent rows: as many tool calls in flight for one agent. */
const CONCURRENT_CALLERS = 16;

/**
 * One agent's calls decided many at once, alternating rounds of each kind: decisions/s and server
 * CPU per decision. A call whose deciding rule reads `history` is decided one at a time per agent,
 * from reading the counts to recording the verdict (a cluster lease: attack review 10 — calls sent
 * together each read the same past and all passed "at most 5 an hour"), so its rate is bounded by
 * one lease round trip + decision + record per call, where other calls of the agent overlap.
 */
async function concurrentRounds<K extends string>(
  server: BenchServer,
  config: BenchConfig,
  agents: string[],
  kinds: Record<K, (via: AegisApi) => Promise<void>>,
): Promise<Record<K, { samples: number[]; perSecond: number; cpuUs: number; rounds: number }>> {
  const perCaller = config.quick ? 10 : 50;
  const rounds = config.quick ? 2 : 6;
  const names = Object.keys(kinds) as K[];
  const out = Object.fromEntries(
    names.map((k) => [k, { samples: [] as number[], ms: 0, cpuMs: 0, calls: 0 }]),
  ) as Record<K, { samples: number[]; ms: number; cpuMs: number; calls: number }>;
  // Each caller its own transport (its own connection, no batching with the others).
  const callers = await Promise.all(
    Array.from({ length: CONCURRENT_CALLERS }, () => server.transport(agents)),
  );
  for (let round = 0; round < rounds; round++) {
    for (const kind of round % 2 === 0 ? names : [...names].reverse()) {
      const acc = out[kind];
      await server.settle();
      const c0 = await server.serverCpuMs();
      const t0 = performance.now();
      await Promise.all(
        callers.map(async (via) => {
          for (let i = 0; i < perCaller; i++) {
            const s0 = performance.now();
            await kinds[kind](via);
            acc.samples.push(performance.now() - s0);
          }
        }),
      );
      acc.ms += performance.now() - t0;
      await server.settle();
      acc.cpuMs += (await server.serverCpuMs()) - c0;
      acc.calls += CONCURRENT_CALLERS * perCaller;
    }
  }
  return Object.fromEntries(
    names.map((k) => {
      const a = out[k];
      return [
        k,
        {
          samples: a.samples,
          perSecond: (a.calls / a.ms) * 1000,
          cpuUs: (a.cpuMs / a.calls) * 1000,
          rounds,
        },
      ];
    }),
  ) as Record<K, { samples: number[]; perSecond: number; cpuUs: number; rounds: number }>;
}

/**
 * 14. The policy engine (issue 14), first part, before scenario 6's bulk insert (it writes through
 * the server). On the main server, in rounds that cycle through every order of the three kinds:
 * sequential `sdk.decide` for an agent whose policy is the seed's flat lists (the 100-rule policy's unconditional rules, 186 action
 * names) and for one with the 100-rule policy — the same five actions, the same arguments,
 * ALLOWED in both (with the rules, four conditions are evaluated before each ALLOW decides) — and
 * a call whose rule reads `history.count` (one store query per call). Server CPU per decision for
 * each, and the evaluation alone in process. Then local mode with the same two policies,
 * compiling 1,000 rules in process, and applying them through the server.
 */
export async function policyDecideScenario(
  server: BenchServer,
  config: BenchConfig,
): Promise<ScenarioResult> {
  const { admin } = server;
  const flatAgent = 'bench-policy-flat';
  const rulesAgent = 'bench-policy-rules';
  const lists = flatLists();
  const flatCount = lists.allows.length + lists.review.length + lists.blocks.length;
  await admin.sdk.registerAgent.mutate({ name: flatAgent, ...lists, labels: { team: 'payments' } });
  await admin.sdk.registerAgent.mutate({ name: rulesAgent, labels: { team: 'payments' } });
  const version = await apply(server, ruleDocument({ kind: 'AgentPolicy', agent: rulesAgent }));
  // Local mode's agents (the same two policies) and the 1,000-rule agent, registered now too.
  const localFlat = `${flatAgent}-local`;
  const localRules = `${rulesAgent}-local`;
  const local = await server.sdk([localFlat, localRules], { mode: 'local' });
  const flatHandle = local.agent(localFlat, { ...lists, labels: { team: 'payments' } });
  const rulesHandle = local.agent(localRules, { labels: { team: 'payments' } });
  await flatHandle.register();
  await rulesHandle.register();
  const localVersion = await apply(
    server,
    ruleDocument({ kind: 'AgentPolicy', agent: localRules }),
  );
  const bigAgent = 'bench-policy-1000';
  await admin.sdk.registerAgent.mutate({ name: bigAgent });
  // Registrations schedule a governance evaluation (every agent's manifest, over the whole audit
  // log): let it finish before anything is timed, or it lands in one kind's CPU.
  await server.settle();

  const api = await server.transport([flatAgent, rulesAgent]);
  const kinds = {
    flat: { agent: flatAgent, actions: CEL_ACTIONS, rule: 'seed-allowed' },
    rules: { agent: rulesAgent, actions: CEL_ACTIONS, rule: 'allow-' },
    history: { agent: rulesAgent, actions: [HISTORY_ACTIONS[0]!], rule: 'allow-' },
  } as const;
  type Kind = keyof typeof kinds;
  let seq = 0;
  const decide = async (kind: Kind, via: AegisApi = api) => {
    const k = kinds[kind];
    const action = k.actions[seq++ % k.actions.length]!;
    const d = await via.sdk.decide.mutate({ agent: k.agent, action, args: ARGS });
    if (d.verdict !== 'ALLOWED' || !d.rule?.id.startsWith(k.rule)) {
      throw new Error(
        `bench: ${kind} ${action} decided ${d.verdict} by ${JSON.stringify(d.rule)}: ${d.reason}`,
      );
    }
  };
  const { warmup, n } = config.overhead;
  const order: Kind[] = ['flat', 'rules', 'history'];
  // A longer warm-up than the other scenarios': the server's first ~2,000 evaluations of these
  // conditions take ~1.5–2× their steady time (its own timing: 58 → 36 µs per decision), and a
  // long-running server is measured here, not its JIT.
  const warmupCalls = config.quick ? warmup : Math.max(warmup, 3_000);
  for (let i = 0; i < warmupCalls; i++) await decide(order[i % 3]!);
  // Many short rounds, each kind once per round, the order cycling through all six permutations:
  // the machine's drift falls on every kind alike, each kind follows each other kind as often,
  // and the rounds pair up for the difference's uncertainty. Every window starts and ends with
  // `settle()` (the audit writer and the rollups drained), so a kind's background work is counted
  // in its own window — without it, the work a history call leaves (its query's garbage, the
  // rollups' 50 ms gathering) was counted in whichever kind came next.
  const perRound = 100;
  const rounds = Math.max(6, Math.round(n / perRound));
  const orders = permutations(order);
  const samples: Record<Kind, number[]> = { flat: [], rules: [], history: [] };
  const perRoundUs: Record<Kind, number[]> = { flat: [], rules: [], history: [] };
  // The server's own timing of each evaluation from memory (its /metrics), summed per kind; read
  // outside the CPU windows, since a scrape costs the server CPU too.
  const evaluated: Record<Kind, { seconds: number; count: number }> = {
    flat: { seconds: 0, count: 0 },
    rules: { seconds: 0, count: 0 },
    history: { seconds: 0, count: 0 },
  };
  for (let round = 0; round < rounds; round++) {
    for (const kind of orders[round % orders.length]!) {
      const e0 = await memoryEvaluations(server);
      await server.settle();
      const c0 = await server.serverCpuMs();
      for (let i = 0; i < perRound; i++) {
        const t0 = performance.now();
        await decide(kind);
        samples[kind].push(performance.now() - t0);
      }
      await server.settle();
      perRoundUs[kind].push((((await server.serverCpuMs()) - c0) / perRound) * 1000);
      const e1 = await memoryEvaluations(server);
      evaluated[kind].seconds += e1.seconds - e0.seconds;
      evaluated[kind].count += e1.count - e0.count;
    }
  }
  const inServerUs = (kind: Kind) => (evaluated[kind].seconds / evaluated[kind].count) * 1e6;
  const inServer = {
    flatUs: inServerUs('flat'),
    rulesUs: inServerUs('rules'),
    // Every decision of these two kinds was timed as one evaluation from memory.
    complete:
      evaluated.flat.count === rounds * perRound && evaluated.rules.count === rounds * perRound,
  };
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const cpuUs = (kind: Kind) => Math.round(mean(perRoundUs[kind]));
  /** The difference to the flat lists over the paired rounds (mean ± 2·SE, median interval). */
  const versusFlat = (kind: Kind) => pairedDifference(perRoundUs[kind], perRoundUs.flat);
  const rulesVs = versusFlat('rules');
  const historyVs = versusFlat('history');
  const rulesDelta = Math.round(rulesVs.median);
  const historyDelta = Math.round(historyVs.median);

  const together = await concurrentRounds(server, config, [rulesAgent], {
    rules: (via) => decide('rules', via),
    history: (via) => decide('history', via),
  });

  // Local mode, the same two policies (their own agents: a key is scoped to its agents).
  const localRun = async (handle: typeof flatHandle) => {
    const tools = CEL_ACTIONS.map((action) =>
      handle.guard((_args: typeof ARGS) => Promise.resolve(undefined), { action }),
    );
    const out: number[] = [];
    for (let i = -config.local.warmup; i < config.local.n; i++) {
      // Local calls never touch the network; yield now and then so shipping gets its turn.
      if (i % 100 === 0) await yieldToLoop();
      const tool = tools[(i + config.local.warmup) % tools.length]!;
      const t0 = performance.now();
      await tool(ARGS);
      if (i >= 0) out.push(performance.now() - t0);
    }
    await local.flush();
    return summarize(out);
  };
  const localFlatS = await localRun(flatHandle);
  const localRulesS = await localRun(rulesHandle);
  const localCalls = config.local.warmup + config.local.n;
  // Every local call of the rules agent was decided by an ALLOW rule of the 100-rule version.
  const decidedByRules = await server.db.collection('audit_log').countDocuments({
    agent: localRules,
    'rule.id': { $in: CEL_ACTIONS.map((a) => `allow-${a}`) },
    'rule.version': localVersion,
  });

  const inProcess = evaluationRows(config, lists);
  const evalDeltaUs = Number(inProcess[1]?.notes?.vsFlatUs ?? NaN);
  const compile = compileRows(config);

  // The same 1,000 rules through the server: validated, compiled, diffed, stored as a version.
  const bigYaml = policyDocumentYaml(
    ruleDocument({ kind: 'AgentPolicy', agent: bigAgent }, { rules: 1000, salt: 'server' }),
  );
  const applyMs: number[] = [];
  const applyCpu0 = await server.serverCpuMs();
  const applies = config.quick ? 1 : 3;
  for (let i = 0; i < applies; i++) {
    const t0 = performance.now();
    // The first stores a version; the next are unchanged documents (validated, compiled, diffed).
    const applied = await admin.policies.applyRules.mutate({
      yaml: bigYaml,
      message: 'bench 14: 1,000 rules',
    });
    applyMs.push(performance.now() - t0);
    if (!applied.ok)
      throw new Error(
        `bench: 1,000 rules refused: ${JSON.stringify(applied.problems).slice(0, 500)}`,
      );
  }
  const applyCpuMs = ((await server.serverCpuMs()) - applyCpu0) / applies;

  const rows: Row[] = [
    {
      scenario: SCENARIO,
      label: `strict sdk.decide, flat lists (${flatCount} actions), 5 actions in turn`,
      latency: summarize(samples.flat),
      notes: { serverCpuUsPerDecision: cpuUs('flat') },
    },
    {
      scenario: SCENARIO,
      label:
        'strict sdk.decide, 100-rule policy (20 CEL, 5 history), same calls: 4 conditions each',
      latency: summarize(samples.rules),
      notes: {
        serverCpuUsPerDecision: cpuUs('rules'),
        vsFlatUs: rulesDelta,
        evaluationInServerUs: round1(inServer.rulesUs),
        flatEvaluationInServerUs: round1(inServer.flatUs),
        ...pairNotes(rulesVs),
        rounds,
        policyVersion: version,
      },
    },
    {
      scenario: SCENARIO,
      label: `strict sdk.decide, 100-rule policy, ${HISTORY_ACTIONS[0]}: history.count (1 store query)`,
      latency: summarize(samples.history),
      notes: {
        serverCpuUsPerDecision: cpuUs('history'),
        vsFlatUs: historyDelta,
        ...pairNotes(historyVs),
      },
    },
    ...(['rules', 'history'] as const).map((kind) => ({
      scenario: SCENARIO,
      label:
        kind === 'rules'
          ? `${CONCURRENT_CALLERS} callers at once, one agent, 100-rule policy (no history rule)`
          : `${CONCURRENT_CALLERS} callers at once, one agent, ${HISTORY_ACTIONS[0]}: history rule (one at a time per agent)`,
      latency: summarize(together[kind].samples),
      perSecond: together[kind].perSecond,
      notes: {
        serverCpuUsPerDecision: Math.round(together[kind].cpuUs),
        rounds: together[kind].rounds,
      },
    })),
    {
      scenario: SCENARIO,
      label: 'local guard(), flat lists',
      latency: localFlatS,
      perSecond: 1000 / localFlatS.mean,
    },
    {
      scenario: SCENARIO,
      label: 'local guard(), 100-rule policy (4 conditions each)',
      latency: localRulesS,
      perSecond: 1000 / localRulesS.mean,
      notes: {
        calls: localCalls,
        decidedByRulePolicy: decidedByRules,
        allDecidedByIt: decidedByRules === localCalls,
      },
    },
    ...inProcess,
    ...compile.rows,
    {
      scenario: SCENARIO,
      label: 'policies.applyRules, 1,000 rules (YAML, through the server)',
      latency: summarize(applyMs),
      notes: { serverCpuMsPerApply: Math.round(applyCpuMs) },
    },
  ];
  const goals: GoalCheck[] = [
    cpuGoal({
      rules: rulesVs,
      history: historyVs,
      inProcessUs: evalDeltaUs,
      inServer,
      rulesCpuUs: cpuUs('rules'),
      flatCpuUs: cpuUs('flat'),
    }),
    {
      goal: 'policy: local p50 ≤ 20 µs with the 100-rule policy',
      measured: `${fmtMs(localRulesS.p50)} (flat lists ${fmtMs(localFlatS.p50)}); ${decidedByRules} of ${localCalls} decided by it`,
      met: localRulesS.p50 <= 0.02 && decidedByRules === localCalls,
    },
    ...compile.goals,
  ];
  return { rows, goals };
}

/** The goal's budget: what the 100-rule policy may add to a decision's server CPU. */
const CPU_BUDGET_US = 30;

/** A paired difference in a row's notes (µs, rounded). */
export function pairNotes(d: PairedDifference) {
  const r = (x: number) => (Number.isFinite(x) ? Math.round(x) : 'none');
  return {
    medianUs: r(d.median),
    medianLowUs: r(d.low),
    medianHighUs: r(d.high),
    meanUs: r(d.mean),
    plusMinusUs: r(d.plusMinus),
  };
}

/** The server's `aegis_policy_evaluation_seconds{facts="memory"}` so far (sum in s, count). */
async function memoryEvaluations(server: BenchServer): Promise<{ seconds: number; count: number }> {
  const res = await fetch(`${server.url}/metrics`, {
    headers: { authorization: `Bearer ${server.adminKey}` },
  });
  if (!res.ok) throw new Error(`bench: /metrics answered ${res.status}`);
  const text = await res.text();
  const read = (suffix: 'sum' | 'count') => {
    const line = new RegExp(
      `^aegis_policy_evaluation_seconds_${suffix}\\{facts="memory"\\} (\\S+)$`,
      'm',
    ).exec(text);
    return line ? Number(line[1]) : 0;
  };
  return { seconds: read('sum'), count: read('count') };
}

const round1 = (x: number) => Math.round(x * 10) / 10;

export interface CpuGoalInput {
  /** Paired rounds' server CPU per decision, 100-rule policy minus flat lists. */
  rules: PairedDifference;
  /** The same for a call whose rule reads history (reported, not judged). */
  history: PairedDifference;
  /** The evaluation alone in this process (µs, 100-rule minus flat). */
  inProcessUs: number;
  /** The server's own timing of the same evaluations during the rounds (µs per decision). */
  inServer: { rulesUs: number; flatUs: number; complete: boolean };
  rulesCpuUs: number;
  flatCpuUs: number;
}

/**
 * "100-rule policy ≤ flat lists + 30 µs of server CPU per decision". The two agents' calls differ
 * in one step only — the policy evaluation; the request, the audit entry (a rule id of similar
 * length), the rollups and the answer are the same work — so the policy's cost is that step's.
 *
 * First the whole process, from the paired rounds: met when the upper end of the median
 * difference's 95 % interval is within the budget, unmet when it is above. The median, not the
 * mean: a scheduled job of the server landing in one round's window adds hundreds of µs per call
 * to that round alone (the mean's ±2·SE was ±100–800 µs on this machine), and that cost is
 * neither side's. When the interval is wider than the budget (this machine: ±70–100 µs at 50
 * rounds; ±15 µs would take ~2,000 rounds, hours), the whole process cannot tell, and the step
 * itself decides: the server's own timing of every one of these evaluations during the rounds
 * (synchronous work, so its time is its CPU) must be within the budget, the evaluation in process
 * too, and the whole-process interval must not contradict them (its low end within the budget).
 */
export function cpuGoal(input: CpuGoalInput): GoalCheck {
  const { rules, history, inProcessUs, inServer } = input;
  const upper = Math.round(rules.high);
  const halfWidth = (rules.high - rules.low) / 2;
  const tooNoisy = !(halfWidth <= CPU_BUDGET_US);
  const serverDelta = inServer.rulesUs - inServer.flatUs;
  const stepWithin =
    inServer.complete && serverDelta <= CPU_BUDGET_US && inProcessUs <= CPU_BUDGET_US;
  const step =
    `the evaluation ${signed(round1(serverDelta))} µs in the server ` +
    `(${round1(inServer.rulesUs)} vs ${round1(inServer.flatUs)} µs per decision` +
    `${inServer.complete ? '' : ', not every decision timed'}), ${signed(inProcessUs)} µs in process`;
  const paired = `${describePaired(rules)} (${input.rulesCpuUs} vs ${input.flatCpuUs} µs, ${rules.rounds} paired rounds)`;
  const historyText = `a call whose rule reads history: ${describePaired(history)}`;
  let verdict: string;
  let met: boolean;
  if (!tooNoisy) {
    met = upper <= CPU_BUDGET_US && stepWithin;
    verdict =
      upper <= CPU_BUDGET_US
        ? `upper bound ${signed(upper)} µs`
        : `upper bound ${signed(upper)} µs exceeds the goal`;
  } else if (rules.low > CPU_BUDGET_US) {
    met = false;
    verdict = `the whole process adds more than the goal (low end ${signed(Math.round(rules.low))} µs)`;
  } else {
    met = stepWithin;
    verdict = `whole process too noisy to tell (±${Math.round(halfWidth)} µs), so the step decides: ${stepWithin ? 'within' : 'over'} the goal`;
  }
  return {
    goal: `policy: server CPU per decision, 100-rule policy ≤ flat lists + ${CPU_BUDGET_US} µs (paired rounds, 95 % interval of the median difference; when that is wider than the goal, the evaluation as the server timed it)`,
    measured: `${verdict}: ${step}; whole process ${paired}; ${historyText}`,
    met,
  };
}

/**
 * The evaluation alone, in process, as the server's `evaluateCall` makes it for these calls (no
 * facts to fetch): the set built as the server builds it (`compileEffective`), `factNeedsFor`,
 * then `evaluatePolicy`. p50 per call, the five actions in turn. The machine's noise hardly
 * touches this one; it is what the server-CPU difference above should show.
 */
function evaluationRows(
  config: BenchConfig,
  lists: { allows: string[]; review: string[]; blocks: string[] },
): Row[] {
  const agent = { name: 'bench-eval', owner: '', labels: { team: 'payments' } };
  const flat = compileEffective({
    agent: agent.name,
    agentVersion: 1,
    document: null,
    lists: { allowed: lists.allows, review: lists.review, blocked: lists.blocks },
    global: null,
  });
  const rules = compileEffective({
    agent: agent.name,
    agentVersion: 2,
    document: ruleDocument({ kind: 'AgentPolicy', agent: agent.name }) as AgentPolicyDocument,
    lists: {},
    global: null,
  });
  const n = config.quick ? 20_000 : 200_000;
  const timed = (set: PolicySet) => {
    const samples: number[] = [];
    for (let i = -n / 10; i < n; i++) {
      const action = CEL_ACTIONS[(i + n) % CEL_ACTIONS.length]!;
      const t0 = performance.now();
      factNeedsFor(set, agent, action);
      const d = evaluatePolicy(
        set,
        { agent, action, args: ARGS, tool: { tags: [], description: '' } },
        { status: 'ACTIVE', now: new Date() },
      );
      if (i >= 0) samples.push(performance.now() - t0);
      if (d.verdict !== 'ALLOWED')
        throw new Error(`bench: in-process ${action} decided ${d.verdict}: ${d.reason}`);
    }
    return summarize(samples);
  };
  // Interleaved halves, so neither gets the quieter moment.
  const a1 = timed(flat);
  const b1 = timed(rules);
  const a2 = timed(flat);
  const b2 = timed(rules);
  const flatS = a1.p50 <= a2.p50 ? a1 : a2;
  const rulesS = b1.p50 <= b2.p50 ? b1 : b2;
  return [
    {
      scenario: SCENARIO,
      label: 'in process: evaluation of the same calls, flat lists',
      latency: flatS,
    },
    {
      scenario: SCENARIO,
      label: 'in process: evaluation of the same calls, 100-rule policy',
      latency: rulesS,
      notes: { vsFlatUs: Number(((rulesS.p50 - flatS.p50) * 1000).toFixed(1)) },
    },
  ];
}

/**
 * Compiling 1,000 rules in process, as `policies.applyRules` does before it stores anything: the
 * YAML parsed (with positions, for problems), every rule validated, every condition parsed and
 * type-checked, the action index built. p50 of both parts and of the whole.
 */
function compileRows(config: BenchConfig): ScenarioResult {
  const reps = config.quick ? 3 : 10;
  const header = { kind: 'AgentPolicy' as const, agent: 'bench-compile' };
  const once = (yaml: string) => {
    const t0 = performance.now();
    const parsed = parsePolicyYaml(yaml);
    const t1 = performance.now();
    if (!parsed.ok)
      throw new Error(`bench: 1,000 rules did not parse: ${parsed.problems[0]?.text}`);
    const doc = parsed.documents[0]!;
    const compiled = compilePolicy(doc.value, { source: doc.source });
    if (!compiled.ok)
      throw new Error(`bench: 1,000 rules did not compile: ${compiled.problems[0]?.text}`);
    policySet({ agent: compiled.policy });
    const t2 = performance.now();
    return { yaml: t1 - t0, compile: t2 - t1, total: t2 - t0 };
  };
  type Times = ReturnType<typeof once>;
  const split = (times: Times[]) => ({
    total: summarize(times.map((t) => t.total)),
    yamlMs: Number(summarize(times.map((t) => t.yaml)).p50.toFixed(1)),
    compileMs: Number(summarize(times.map((t) => t.compile)).p50.toFixed(1)),
  });
  // Cold: every condition's text new to the process (its cache of compiled conditions misses).
  const cold: Times[] = [];
  let same = '';
  for (let i = -2; i < reps; i++) {
    const yaml = policyDocumentYaml(
      ruleDocument(header, { rules: 1000, salt: `c${process.pid}-${i}-${Math.random()}` }),
    );
    same = yaml;
    const t = once(yaml);
    if (i >= 0) cold.push(t);
  }
  // Warm: the same text again (a new version that changes a few rules re-checks only those).
  const warm: Times[] = [];
  for (let i = 0; i < reps; i++) warm.push(once(same));
  const c = split(cold);
  const w = split(warm);
  return {
    rows: [
      {
        scenario: SCENARIO,
        label:
          'compile 1,000 rules (200 CEL, 50 history): YAML → compiled, conditions not seen before',
        latency: c.total,
        notes: { yamlParseMsP50: c.yamlMs, compileMsP50: c.compileMs, bytesOfYaml: same.length },
      },
      {
        scenario: SCENARIO,
        label: 'compile the same 1,000 rules again (conditions cached)',
        latency: w.total,
        notes: { yamlParseMsP50: w.yamlMs, compileMsP50: w.compileMs },
      },
    ],
    goals: [
      {
        goal: 'policy: compile of 1,000 rules ≤ 100 ms (YAML → compiled, conditions not cached)',
        measured: `${fmtMs(c.total.p50)} p50: YAML parse ${c.yamlMs} ms + validate/CEL/index ${c.compileMs} ms (${fmtMs(w.total.p50)} with its conditions cached)`,
        met: c.total.p50 <= 100,
      },
    ],
  };
}

/**
 * 14. Second part, after scenario 6 (and 13): `policies.replay` of a candidate over every stored
 * decision in the last 8 days — the 1,000,000 entries scenario 6 inserted in the full run. The
 * candidate is the 100-rule policy as a GlobalPolicy (so every agent's entries replay), its
 * conditions on scenario 6's actions; its history sums read `customer_id` (the stored arguments'
 * number). Entries/s, the server's CPU and peak memory while it runs.
 */
export async function policyReplayScenario(
  server: BenchServer,
  config: BenchConfig,
): Promise<ScenarioResult> {
  const candidate = ruleDocument(
    { kind: 'GlobalPolicy' },
    {
      celActions: BULK_ACTIONS.slice(0, 5),
      historyActions: [...BULK_ACTIONS].reverse().slice(0, 5),
      historyField: 'customer_id',
    },
  );
  const sinceHours = 24 * 8;
  // The entries the replay reads: every stored entry of its window. The decisions among them
  // (ALLOWED, BLOCKED, held for review) are evaluated; the rest are what followed a decision (an
  // approval, a denial, an outcome's error or timeout) or people's actions, which no policy decides.
  const stored = await server.db
    .collection('audit_log')
    .countDocuments({ timestamp: { $gte: new Date(Date.now() - sinceHours * 3_600_000) } });
  const before = await rssMiB(server.serverPid);
  let peak = before ?? 0;
  const sampler = setInterval(() => {
    void rssMiB(server.serverPid).then((m) => {
      if (m !== null && m > peak) peak = m;
    });
  }, 100);
  const stalls = watchStalls(server);
  const cpu0 = await server.serverCpuMs();
  const t0 = performance.now();
  let result;
  try {
    result = await server.admin.policies.replay.mutate({
      yaml: policyDocumentYaml(candidate),
      sinceHours,
      limit: 1_000_000,
    });
  } finally {
    clearInterval(sampler);
  }
  const ms = performance.now() - t0;
  const stalled = await stalls.stop();
  const cpuMs = (await server.serverCpuMs()) - cpu0;
  if (!result.ok)
    throw new Error(
      `bench: the replay candidate was refused: ${JSON.stringify(result.problems).slice(0, 500)}`,
    );
  const perSecond = (result.evaluated / ms) * 1000;
  const rows: Row[] = [
    {
      scenario: SCENARIO,
      label: `policies.replay, 100-rule candidate over ${stored.toLocaleString('en-US')} stored entries (${result.evaluated.toLocaleString('en-US')} decisions)`,
      perSecond,
      notes: {
        seconds: Math.round(ms / 100) / 10,
        storedPerSecond: Math.round((stored / ms) * 1000),
        evaluated: result.evaluated,
        changed: result.changed,
        serverCpuUsPerEntry: Number(((cpuMs / Math.max(1, result.evaluated)) * 1000).toFixed(1)),
        serverRssBeforeMiB: before === null ? 'n/a' : Math.round(before),
        serverRssPeakMiB: before === null ? 'n/a' : Math.round(peak),
        longestHealthCheckMs: stalled.longestMs,
      },
    },
  ];
  // The goal names 1,000,000 stored entries: a smaller replay (a quick run) is a measurement at
  // its own size, reported as such, and does not meet it.
  const rate = `${Math.round((stored / ms) * 1000).toLocaleString('en-US')} stored entries/s, ${Math.round(perSecond).toLocaleString('en-US')} decisions/s (${stored.toLocaleString('en-US')} entries in the window, ${result.evaluated.toLocaleString('en-US')} of them decisions, in ${(ms / 1000).toFixed(1)} s)`;
  const bigEnough = stored >= REPLAY_GOAL_ENTRIES;
  return {
    rows,
    goals: [
      {
        goal: `policy: replay over ${REPLAY_GOAL_ENTRIES.toLocaleString('en-US')} stored entries reported as entries/s`,
        measured: bigEnough
          ? rate
          : `${config.quick ? 'quick run, ' : ''}only ${stored.toLocaleString('en-US')} stored entries (not ${REPLAY_GOAL_ENTRIES.toLocaleString('en-US')}): ${rate}`,
        met: bigEnough && perSecond > 0,
      },
    ],
  };
}
