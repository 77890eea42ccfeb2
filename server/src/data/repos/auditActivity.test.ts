import { isCall, type AuditSource, type AuditStatus } from '@aegis/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../../test/helpers/random';
import { useTestDb } from '../../../test/helpers/testDb';
import { createRepos, type Repos } from '.';

// The activity counts (agent cards, stats) are folded from the log a page at a time: every page
// size must give what counting the entries themselves gives.
const db = useTestDb();
let repos: Repos;
const written: Array<{
  id: number;
  agent: string;
  status: AuditStatus;
  source: AuditSource;
  at: number;
}> = [];
beforeAll(async () => {
  repos = await createRepos(await db.connect(), { onAuditWritten: () => {} });
  const rnd = seededRandom(7);
  const statuses: AuditStatus[] = [
    'ALLOWED',
    'BLOCKED',
    'PENDING',
    'APPROVED',
    'DENIED',
    'KILLED',
    'ERROR',
    'PAUSED',
  ];
  const sources: AuditSource[] = ['agent', 'server', 'person'];
  for (let i = 0; i < 60; i++) {
    const record = {
      timestamp: new Date(Date.UTC(2026, 11, 5) + Math.floor(rnd() * 1e8)),
      agent: ['teller', 'loans', 'fraud'][Math.floor(rnd() * 3)]!,
      action: 'pay',
      status: statuses[Math.floor(rnd() * statuses.length)]!,
      source: sources[Math.floor(rnd() * sources.length)]!,
      details: '',
      callId: null,
      approvalId: null,
      argsPreview: null,
    };
    const entry = await repos.audit.write(record);
    written.push({
      id: entry.id,
      agent: record.agent,
      status: record.status,
      source: record.source,
      at: record.timestamp.getTime(),
    });
  }
});

describe('activity counts from the log', () => {
  it('match counting the entries, for every page size, per agent and overall', async () => {
    const expected = (agent?: string) => {
      const rows = new Map<string, { counts: Record<string, number>; last: number }>();
      for (const w of written) {
        if (agent && w.agent !== agent) continue;
        if (!isCall(w)) continue;
        const r = rows.get(w.agent) ?? { counts: {}, last: 0 };
        r.counts[w.status] = (r.counts[w.status] ?? 0) + 1;
        r.last = Math.max(r.last, w.at);
        rows.set(w.agent, r);
      }
      return rows;
    };
    for (const pageSize of [1, 7, 59, 60, 61, 5000]) {
      for (const agent of [undefined, 'loans']) {
        const { rows, maxId } = await repos.audit.activity(agent, pageSize);
        const want = expected(agent);
        expect(new Set(rows.map((r) => r.agent))).toEqual(new Set(want.keys()));
        for (const r of rows) {
          expect(r.counts).toEqual(want.get(r.agent)!.counts);
          expect(r.lastActivityAt?.getTime()).toBe(want.get(r.agent)!.last);
        }
        expect(maxId).toBe(
          Math.max(...written.filter((w) => !agent || w.agent === agent).map((w) => w.id)),
        );
      }
    }
  });
});
