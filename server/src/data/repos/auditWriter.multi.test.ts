import type { Connection } from 'mongoose';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestDb } from '../../../test/helpers/testDb';
import { verifyAuditChain } from '../../auth/verifyAudit';
import { createRepos, type Repos } from './index';

// Three writers on one database, as three server processes would be: the chain must not fork.
// The first writes through the driver, the others straight into the store (as a server whose
// embedded store runs in its own process does): both kinds must race correctly with each other.
const db = useTestDb();
let conn: Connection;
const writers: Repos[] = [];
beforeAll(async () => {
  for (let i = 0; i < 3; i++)
    writers.push(
      await createRepos(await db.connect({ inProcess: i > 0 }), { onAuditWritten: () => {} }),
    );
  conn = await db.connect();
});

const record = (i: number, w: number, entryKey?: string) => ({
  timestamp: new Date(),
  agent: `agent-${w}`,
  action: 'pay',
  status: 'ALLOWED' as const,
  source: 'server' as const,
  details: `call ${i}`,
  callId: `call-${w}-${i}`,
  approvalId: null,
  argsPreview: null,
  ...(entryKey ? { entryKey } : {}),
});

describe('the audit chain with several writers on one database', () => {
  it('1,500 concurrent entries from three writers: each stored once, ids gap-free, chain verifies', async () => {
    const written = await Promise.all(
      writers.flatMap((repos, w) =>
        Array.from({ length: 500 }, (_, i) => repos.audit.write(record(i, w))),
      ),
    );
    const ids = written.map((e) => e.id).sort((a, b) => a - b);
    expect(new Set(ids).size).toBe(1500);
    expect(ids[ids.length - 1]! - ids[0]!).toBe(1499);
    expect(await conn.collection('audit_log').countDocuments()).toBe(1500);
    expect(await verifyAuditChain(conn)).toMatchObject({ ok: true, checked: 1500 });
  });

  it('the same entryKey written by two writers at once is stored once; both get the stored entry', async () => {
    const results = await Promise.all(
      writers.flatMap((repos, w) =>
        Array.from({ length: 50 }, (_, i) => repos.audit.write(record(i, w, `k-${i}`))),
      ),
    );
    for (let i = 0; i < 50; i++) {
      const same = results.filter((e) => e.details === `call ${i}` && e.callId?.endsWith(`-${i}`));
      expect(new Set(same.map((e) => e.id)).size).toBe(1);
    }
    expect(await conn.collection('audit_log').countDocuments({ entryKey: /^k-/ })).toBe(50);
    expect(await verifyAuditChain(conn)).toMatchObject({ ok: true, checked: 1550 });
  });

  it('one entry at a time (each a group of one): a lost race resumes after the winner, a taken entryKey answers with the stored entry', async () => {
    const [a, b] = [writers[0]!, writers[1]!];
    const first = await a.audit.write(record(1, 0));
    const second = await b.audit.write(record(2, 1));
    // a still takes `first` for the head: its insert of the next id loses to b's and is re-chained.
    const third = await a.audit.write(record(3, 0));
    expect([second.id, third.id]).toEqual([first.id + 1, first.id + 2]);
    const kept = await b.audit.write(record(4, 1, 'solo-key'));
    // Stale head again, and the key taken: answered by b's entry, nothing new stored.
    const again = await a.audit.write(record(5, 0, 'solo-key'));
    expect(again).toMatchObject({ id: kept.id, details: 'call 4', earlier: {} });
    expect(await conn.collection('audit_log').countDocuments({ entryKey: 'solo-key' })).toBe(1);
    const chain = await verifyAuditChain(conn);
    expect(chain).toMatchObject({ ok: true });
  });
});
