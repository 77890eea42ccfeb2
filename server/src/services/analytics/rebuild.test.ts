import { describe, expect, it } from 'vitest';
import { createRepos } from '../../data/repos';
import { createLogger } from '../../logger';
import { ensureRollups, rebuildRollups } from './rebuild';
import { useTestDb } from '../../../test/helpers/testDb';

// Governance, the agent list, the graph and the Overview chart read the rollups only while they
// are `current`; a rebuild (an admin's, or start-up's) must not pass for current half-way.
const logger = createLogger('silent');
const db = useTestDb();

const entry = (i: number) => ({
  timestamp: new Date(Date.UTC(2026, 10, 2) + i * 1000),
  agent: `agent-${i % 3}`,
  action: 'lookup',
  status: 'ALLOWED' as const,
  source: 'server' as const,
  details: '',
  callId: `r-${i}`,
  approvalId: null,
  argsPreview: null,
});

describe('rebuilding the rollups', () => {
  it('is not current while it runs, and a rebuild that died half-way is done again at start-up', async () => {
    const repos = await createRepos(await db.connect(), { onAuditWritten: () => undefined });
    for (let i = 0; i < 30; i++) await repos.audit.write(entry(i));
    expect(await ensureRollups(repos, logger)).toBe(true);
    expect(await repos.rollups.current()).toBe(true);

    // Seen from another server while the rebuild reads the log: not current.
    const seen: boolean[] = [];
    const pages = repos.rollups.auditPages.bind(repos.rollups);
    repos.rollups.auditPages = async function* (through, size) {
      for await (const page of pages(through, size)) {
        seen.push(await repos.rollups.current());
        yield page;
      }
    };
    await rebuildRollups(repos, logger);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((current) => !current)).toBe(true);
    expect(await repos.rollups.current()).toBe(true);

    // A rebuild that dies after clearing the counters: the next start rebuilds, counts are whole.
    repos.rollups.auditPages = async function* () {
      yield* [];
      await Promise.resolve();
      throw new Error('the server died');
    };
    await expect(rebuildRollups(repos, logger)).rejects.toThrow('the server died');
    expect(await repos.rollups.current()).toBe(false);
    repos.rollups.auditPages = pages;
    expect(await ensureRollups(repos, logger)).toBe(true);
    expect(await repos.rollups.current()).toBe(true);
    // Each agent × tool's all-time calls, counted once.
    const facts = await repos.rollups.toolFacts(['agent-0', 'agent-1', 'agent-2']);
    expect(facts.map((d) => [d.a, d.x, d.n]).sort()).toEqual([
      ['agent-0', 'lookup', 10],
      ['agent-1', 'lookup', 10],
      ['agent-2', 'lookup', 10],
    ]);
  });

  it('counts a log holding findings with detector names no counter can be called by', async () => {
    // Stored before the names were checked (attack review 16): an agent key reported result
    // findings named ".", "$x", "card.x" and a NUL; rebuilding from that log failed at every start.
    const repos = await createRepos(await db.connect(), { onAuditWritten: () => undefined });
    const finding = (detector: string) => ({ detector, path: '/x', count: 1, confidence: 0.9 });
    for (const [i, detector] of ['.', '$x', 'card.x', '\u0000', 'x.', 'card'].entries())
      await repos.audit.write({
        ...entry(100 + i),
        agent: 'hostile',
        findings: [finding('ssn'), finding(detector)],
        resultFindings: [finding(detector)],
      });
    await rebuildRollups(repos, logger);
    expect(await repos.rollups.current()).toBe(true);
    const [facts] = await repos.rollups.toolFacts(['hostile']);
    expect(facts).toMatchObject({ n: 6, dt: { ssn: 6, card: 1 } });
    expect(Object.keys(facts?.dt ?? {}).sort()).toEqual(['card', 'ssn']);
  });
});
