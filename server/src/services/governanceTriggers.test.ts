import { describe, expect, it } from 'vitest';
import { GovernanceTriggers } from './governanceTriggers';

const finding = (detector: string) => ({
  detector,
  path: '/note',
  count: 1,
  confidence: 0.95,
  where: 'args' as const,
});
const call = (
  over: { action?: string; status?: 'ALLOWED' | 'BLOCKED' | 'PENDING'; detectors?: string[] } = {},
) => ({
  agent: 'loans',
  action: over.action ?? 'send_notification',
  status: over.status ?? 'ALLOWED',
  findings: (over.detectors ?? []).map(finding),
});

describe('governance triggers', () => {
  it('bring an evaluation forward for what a tool shows for the first time, not for its repeats', () => {
    const t = new GovernanceTriggers();
    expect(t.isNews(call())).toBe(false);
    expect(t.isNews(call({ detectors: ['ssn'] }))).toBe(true);
    expect(t.isNews(call({ detectors: ['ssn'] }))).toBe(false);
    // a new kind of data on the same tool, the same kind on another tool
    expect(t.isNews(call({ detectors: ['ssn', 'card'] }))).toBe(true);
    expect(t.isNews(call({ action: 'lookup', detectors: ['ssn'] }))).toBe(true);
    expect(t.isNews(call({ status: 'BLOCKED' }))).toBe(true);
    expect(t.isNews(call({ status: 'BLOCKED', detectors: ['card'] }))).toBe(false);
    expect(t.isNews(call({ status: 'PENDING' }))).toBe(true);
  });

  it('treat everything as news again after a reset', () => {
    const t = new GovernanceTriggers();
    expect(t.isNews(call({ status: 'BLOCKED', detectors: ['email'] }))).toBe(true);
    t.forget();
    expect(t.isNews(call({ status: 'BLOCKED' }))).toBe(true);
    expect(t.isNews(call({ detectors: ['email'] }))).toBe(true);
  });
});
