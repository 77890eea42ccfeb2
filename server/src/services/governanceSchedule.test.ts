import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { GovernanceSchedule } from './governanceSchedule';

const logger = pino({ level: 'silent' });
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An evaluation that records what it was asked and ends when the test says so. */
function gatedEvaluate() {
  const calls: Array<string[] | 'all'> = [];
  let open: () => void = () => {};
  const gate = new Promise<void>((r) => (open = r));
  return {
    calls,
    /** Lets the evaluation under way, and every later one, end. */
    release: () => open(),
    evaluate: async (agents?: string[]) => {
      calls.push(agents ? [...agents].sort() : 'all');
      await gate;
    },
  };
}

describe('GovernanceSchedule', () => {
  let schedule: GovernanceSchedule | undefined;
  afterEach(async () => {
    await schedule?.close();
  });

  it('queues no evaluation behind one under way: agents asked for meanwhile are evaluated once, together', async () => {
    const gated = gatedEvaluate();
    schedule = new GovernanceSchedule(gated.evaluate, logger, { debounceMs: 5 });
    schedule.soon('a');
    while (gated.calls.length === 0) await pause(5);
    // A flood of news while the evaluation runs: several debounce periods pass.
    for (const agent of ['b', 'c', 'b', 'd']) {
      schedule.soon(agent);
      await pause(30);
    }
    expect(gated.calls).toEqual([['a']]);
    gated.release();
    await schedule.flush();
    expect(gated.calls).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('flush runs what is pending after the evaluation under way', async () => {
    const gated = gatedEvaluate();
    schedule = new GovernanceSchedule(gated.evaluate, logger, { debounceMs: 60_000 });
    schedule.soon('a');
    const first = schedule.flush();
    while (gated.calls.length === 0) await pause(5);
    schedule.soon();
    schedule.soon('b');
    gated.release();
    await first;
    expect(gated.calls).toEqual([['a'], 'all']);
  });
});
