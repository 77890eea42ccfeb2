import { describe, expect, it } from 'vitest';
import type { AuditEntry } from './liveFeed';
import { stepNote } from './trace';

const entry = (fields: Partial<AuditEntry>): AuditEntry => ({
  id: 1,
  timestamp: '2026-12-06T07:00:00.000Z',
  agent: 'Fraud Detection',
  action: 'refund_payment',
  status: 'ALLOWED',
  source: 'server',
  actor: null,
  details: '',
  callId: null,
  approvalId: 2,
  argsPreview: null,
  outcome: null,
  durationMs: null,
  prevHash: null,
  hash: null,
  severity: 'success',
  ...fields,
});

describe('trace notes of an approval with edited arguments', () => {
  it('say the decision edited the arguments, and the call ran with them', () => {
    const decided = entry({
      status: 'APPROVED',
      source: 'person',
      actor: 'admin',
      details: 'Approved by admin with edited arguments {"amount":500} (approval #2)',
    });
    const ran = entry({
      details: 'Approved with edited arguments by admin (approval #2)',
      durationMs: 3,
    });
    expect(stepNote(decided, undefined)).toBe('approved by admin with edited arguments');
    expect(stepNote(ran, undefined)).toBe('ran with the edited arguments, ran 3 ms');
  });

  it('read only the server’s own words: a comment or an agent’s report saying so changes nothing', () => {
    const commented = entry({
      status: 'APPROVED',
      source: 'person',
      actor: 'rita',
      details: 'Approved by rita (approval #2) — “not with edited arguments please”',
    });
    expect(stepNote(commented, undefined)).toBe('approved by rita');
    const reported = entry({
      source: 'agent',
      details: 'Approved with edited arguments by admin (approval #2)',
    });
    expect(stepNote(reported, undefined)).toBe('ran with the approval');
    expect(stepNote(entry({ details: 'Approved by rita (approval #2)' }), undefined)).toBe(
      'ran with the approval',
    );
  });
});

describe('how long a decision waited', () => {
  it('says a decision inside a second as such, not "after 0:00"', () => {
    const held = entry({ status: 'PENDING', timestamp: '2026-12-06T07:00:00.000Z' });
    const denied = (timestamp: string) =>
      entry({ status: 'DENIED', source: 'person', actor: 'rita', timestamp });
    expect(stepNote(denied('2026-12-06T07:00:00.400Z'), held)).toBe(
      'denied by rita within a second',
    );
    expect(stepNote(denied('2026-12-06T07:00:32.000Z'), held)).toBe('denied by rita after 0:32');
  });
});

describe('trace notes of a held result', () => {
  it('say the result was released or withheld, not that a call was approved or denied', () => {
    const ran = entry({ approvalId: null, timestamp: '2026-12-06T07:00:00.000Z' });
    const decided = (status: 'APPROVED' | 'DENIED', details: string) =>
      entry({
        status,
        source: 'person',
        actor: 'rita',
        details,
        timestamp: '2026-12-06T07:00:32.000Z',
      });
    expect(stepNote(decided('APPROVED', 'Result released by rita (approval #2)'), ran)).toBe(
      'result released by rita after 0:32',
    );
    expect(
      stepNote(decided('DENIED', 'Result withheld by rita via slack (approval #2)'), ran),
    ).toBe('result withheld by rita after 0:32');
  });
});
