import { describe, expect, it } from 'vitest';
import { compilePolicyOrThrow } from './compile';
import { policySet } from './policySet';
import { replayDecisions, type ReplayRecord } from './replay';

const MIN = 60_000;

/** Transfers of `amount`, one a minute, all ALLOWED when they were made; a lookup between each. */
function records(agent: string, amounts: number[], runId: string | null = null): ReplayRecord[] {
  const out: ReplayRecord[] = [];
  amounts.forEach((amount, i) => {
    const at = Date.UTC(2026, 0, 1) + i * MIN;
    const base = { agent, verdict: 'ALLOWED' as const, argsPreview: null, runId, findings: [] };
    out.push({
      ...base,
      id: 2 * i + 1,
      action: 'lookup',
      argsJson: '{"customer_id":1}',
      tags: ['pii'],
      at,
    });
    out.push({
      ...base,
      id: 2 * i + 2,
      action: 'transfer',
      argsJson: JSON.stringify({ amount }),
      tags: ['external'],
      at: at + 1,
    });
  });
  return out;
}

function candidate(when: string) {
  return policySet({
    global: compilePolicyOrThrow({
      kind: 'GlobalPolicy',
      default: 'ALLOW',
      rules: [{ id: 'rule', actions: ['transfer'], when, effect: 'REVIEW' }],
    }),
  });
}

const replay = (recs: ReplayRecord[], when: string, skip: string[] = []) => {
  const set = candidate(when);
  const targets = new Map<string, { set: typeof set; agent: { name: string } } | null>();
  return replayDecisions(recs, (name) => {
    if (!targets.has(name))
      targets.set(name, skip.includes(name) ? null : { set, agent: { name } });
    return targets.get(name) ?? null;
  });
};

/** The ids of the entries the candidate would have held for review. */
const held = async (recs: ReplayRecord[], when: string, skip: string[] = []) => {
  const report = await replay(recs, when, skip);
  return report.rules.flatMap((r) => r.changes.flatMap((c) => c.examples.map((e) => e.auditId)));
};

describe('replayDecisions: history rebuilt from the replayed entries', () => {
  it('history.count counts the agent’s earlier ALLOWED calls of that action in the window', async () => {
    // Third transfer onward: two or more transfers in the 10 minutes before it.
    expect(
      await held(records('a', [1, 1, 1]), "history.count('transfer', duration('10m')) >= 2"),
    ).toEqual([6]);
    // A window of 90 s sees only the previous one.
    expect(
      await held(records('a', [1, 1, 1]), "history.count('transfer', duration('90s')) >= 2"),
    ).toEqual([]);
  });

  it('history.sum adds a numeric argument over the window (non-numbers count as 0)', async () => {
    const recs = records('a', [300, 400, 500]);
    recs[3] = { ...recs[3]!, argsJson: '{"amount":"lots"}' };
    // Sums before each transfer: 0, 300, 300 (the second's amount is not a number).
    expect(await held(recs, "history.sum('transfer', 'amount', duration('1h')) >= 300.0")).toEqual([
      4, 6,
    ]);
    expect(await held(recs, "history.sum('transfer', 'amount', duration('1h')) > 300.0")).toEqual(
      [],
    );
  });

  it('keeps agents apart, and an agent that is not replayed does not count for another', async () => {
    const both = [...records('a', [1, 1]), ...records('b', [1, 1])].sort(
      (x, y) => x.at - y.at || x.id - y.id,
    );
    const when = "history.count('transfer', duration('1h')) >= 1";
    expect((await replay(both, when)).changed).toBe(2);
    expect((await replay(both, when, ['b'])).changed).toBe(1);
  });

  it('session.touched sees tags of calls ALLOWED earlier in the same run', async () => {
    const recs = [
      ...records('a', [1], 'run-1'),
      ...records('a', [1], 'run-2').map((r) => ({ ...r, id: r.id + 10 })),
    ];
    const report = await replay(recs, "session.touched('pii')");
    expect(report.changed).toBe(2);
    expect((await replay(records('a', [1], null), "session.touched('pii')")).changed).toBe(0);
  });

  it('only the stored ALLOWED calls count', async () => {
    const recs = records('a', [1, 1, 1]).map((r) =>
      r.id === 2 ? { ...r, verdict: 'BLOCKED' as const } : r,
    );
    // Entry 2 was BLOCKED then (and ALLOWED now: a change), so before entry 6 only entry 4 counts.
    const report = await replay(recs, "history.count('transfer', duration('1h')) >= 2");
    expect(report.changed).toBe(1);
    expect(report.rules[0]?.changes[0]).toMatchObject({ from: 'BLOCKED', to: 'ALLOWED', count: 1 });
  });
});
