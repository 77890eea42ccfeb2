import { describe, expect, it } from 'vitest';
import { IncrementSet, type RollupSource } from './rollupIncrements';

const at = (s: number) => new Date(Date.UTC(2026, 11, 7, 5, 0, s));
const call = (over: Partial<RollupSource>): RollupSource => ({
  timestamp: at(0),
  agent: 'bot',
  action: 'send',
  status: 'ALLOWED',
  source: 'server',
  approvalId: null,
  ...over,
});

describe('rollup increments: the all-time `seen` documents', () => {
  it('count calls by status, each detector once per call, and keep the first and last time', () => {
    const set = new IncrementSet();
    set.add(
      call({
        timestamp: at(5),
        findings: [
          { detector: 'email', count: 1 },
          { detector: 'email', count: 2 },
          { detector: 'card', count: 1 },
          { detector: 'phone', count: 1, where: 'result' },
        ],
      }),
    );
    set.add(call({ timestamp: at(1), status: 'BLOCKED' }));
    set.add(call({ timestamp: at(9), findings: [{ detector: 'card', count: 3 }] }));
    const seen = set.values().filter((v) => v.key.k === 'seen');
    expect(seen).toEqual([
      {
        key: { a: 'bot', x: 'send', s: '', r: '', d: '', k: 'seen', g: 'all', t: new Date(0) },
        inc: { n: 3, 'v.ALLOWED': 2, 'v.BLOCKED': 1, 'dt.email': 1, 'dt.card': 2, 'dt.phone': 1 },
        min: { first: at(1) },
        latest: { last: at(9) },
      },
      {
        key: { a: 'bot', x: '', s: '', r: '', d: '', k: 'seen', g: 'all', t: new Date(0) },
        inc: { n: 3, 'v.ALLOWED': 2, 'v.BLOCKED': 1 },
        min: { first: at(1) },
        latest: { last: at(9) },
      },
    ]);
    // The upsert's filter is the key: its field order is the new document's.
    expect(Object.keys(seen[0]!.key)).toEqual(['a', 'x', 's', 'r', 'd', 'k', 'g', 't']);
  });

  it('share the documents with result findings recorded later', () => {
    const set = new IncrementSet();
    set.add(call({ findings: [{ detector: 'card', count: 1 }] }));
    set.addResult({
      timestamp: at(0),
      call: { agent: 'bot', action: 'send', status: 'ALLOWED', source: 'server', approvalId: null },
      findings: [{ detector: 'card', count: 1 }],
      resultFindings: [{ detector: 'ssn', count: 1 }],
    });
    const seen = set.values().filter((v) => v.key.k === 'seen' && v.key.x === 'send');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.inc).toEqual({ n: 1, 'v.ALLOWED': 1, 'dt.card': 1, 'dt.ssn': 1 });
  });
});

describe('rollup increments: detector names an SDK reports', () => {
  it("count an agent's first custom names and every built-in one, never an invented flood", () => {
    // Attack review 16: 256 invented names per call, each a counter in the timeline document
    // every agent updates, took it to 16 MiB in ~1,000 calls.
    const set = new IncrementSet();
    for (let i = 0; i < 40; i++)
      set.add(
        call({
          timestamp: at(i),
          resultFindings: Array.from({ length: 256 }, (_, j) => ({
            detector: `invented_${i}_${j}`,
            count: 1,
          })),
        }),
      );
    set.add(call({ timestamp: at(50), resultFindings: [{ detector: 'card', count: 2 }] }));
    set.add(
      call({
        agent: 'other',
        timestamp: at(51),
        resultFindings: [{ detector: 'employee_id', count: 1 }],
      }),
    );
    const timeline = set
      .values()
      .find((v) => v.key.k === 'tl' && v.key.a === '' && v.key.g === 'd');
    const counted = Object.keys(timeline?.inc ?? {}).filter((k) => k.startsWith('xf.'));
    expect(counted).toHaveLength(64 + 2);
    expect(counted).toEqual(
      expect.arrayContaining(['xf.card', 'xf.employee_id', 'xf.invented_0_0']),
    );
  });
});
