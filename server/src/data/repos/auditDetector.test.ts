import type { Connection } from 'mongoose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditQuery, ScanFinding } from '@aegis/shared';
import { createModels, syncIndexes } from '../models';
import { DLP_ARGS_INDEX, DLP_RESULT_INDEX, LEGACY_DETECTOR_INDEX } from '../models/audit.model';
import { useTestDb } from '../../../test/helpers/testDb';
import { createRepos, type Repos } from '.';

// Activity's detector filter reads the entries with findings on each side through their own
// partial index and merges them: it must page through exactly the entries an $or over both
// sides finds, newest first, each once.
const db = useTestDb();
let conn: Connection;
let repos: Repos;
beforeAll(async () => {
  conn = await db.connect();
  repos = await createRepos(conn, { onAuditWritten: () => {} });
});

const finding = (detector: string): ScanFinding => ({
  detector,
  path: '/note',
  count: 1,
  confidence: 0.9,
});

/** Every page of a query, following the cursor. */
async function allPages(query: Omit<AuditQuery, 'limit' | 'cursor'>, limit: number) {
  const ids: number[] = [];
  let cursor: number | undefined;
  for (;;) {
    const page = await repos.audit.list({ ...query, limit, ...(cursor ? { cursor } : {}) });
    ids.push(...page.entries.map((e) => e.id));
    if (page.nextCursor === null) return ids;
    cursor = page.nextCursor;
  }
}

describe('the Activity detector filter', () => {
  it('finds findings on either side, newest first, each entry once, across pages', async () => {
    const want: Record<string, number[]> = { card: [], iban: [], words: [] };
    for (let i = 0; i < 120; i++) {
      const args = i % 3 === 0 ? [finding('card')] : i % 7 === 0 ? [finding('iban')] : [];
      const entry = await repos.audit.write({
        timestamp: new Date(),
        agent: i % 2 ? 'teller' : 'loans',
        action: 'notify',
        status: 'ALLOWED',
        source: 'server',
        details: i % 4 === 0 ? 'invoice sent' : 'done',
        callId: `c-${i}`,
        approvalId: null,
        argsPreview: null,
        findings: args,
      });
      // The result's findings arrive with the outcome: some on an entry with none in its
      // arguments, some on one that has the same detector there too.
      const result = i % 5 === 0 ? [finding('card')] : [];
      if (result.length)
        await repos.audit.setOutcome(entry.id, 'ok', 3, { resultFindings: result });
      const card = args.some((f) => f.detector === 'card') || result.length > 0;
      if (card) want.card!.unshift(entry.id);
      if (args.some((f) => f.detector === 'iban')) want.iban!.unshift(entry.id);
      if (card && i % 2 === 1 && i % 4 === 0) want.words!.unshift(entry.id);
    }
    for (const limit of [1, 7, 50, 200]) {
      expect(await allPages({ detector: 'card' }, limit)).toEqual(want.card);
      // A category: every detector in it.
      expect(await allPages({ detector: 'financial' }, limit)).toEqual(
        [...new Set([...want.card!, ...want.iban!])].sort((a, b) => b - a),
      );
    }
    expect(await allPages({ detector: 'iban' }, 3)).toEqual(want.iban);
    expect(await allPages({ detector: 'card', agent: 'teller', search: 'invoice' }, 4)).toEqual(
      want.words,
    );
    expect(await allPages({ detector: 'ssn' }, 10)).toEqual([]);
    // Exports read the single filter: the same entries.
    const exported: number[] = [];
    for await (const e of repos.audit.stream({ detector: 'card' })) exported.push(e.id);
    expect(exported).toEqual(want.card);
  });

  it('keeps partial indexes of the entries with findings, and drops the old multikey one', async () => {
    const audit = conn.collection('audit_log');
    await audit.createIndex({ 'findings.detector': 1, id: -1 }, { name: LEGACY_DETECTOR_INDEX });
    await syncIndexes(createModels(conn));
    const names = (await audit.indexes()).map((ix) => ix.name);
    expect(names).toEqual(expect.arrayContaining([DLP_ARGS_INDEX, DLP_RESULT_INDEX]));
    expect(names).not.toContain(LEGACY_DETECTOR_INDEX);
    // A second server starting finds nothing left to drop.
    await syncIndexes(createModels(conn));
  });
});
