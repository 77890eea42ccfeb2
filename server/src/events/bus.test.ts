import { describe, expect, it } from 'vitest';
import type { ChangeEvent } from '@aegis/shared';
import { EventBus, parseChangeId } from './bus';

const status = (agent: string): ChangeEvent => ({ type: 'agent.status', agent, status: 'PAUSED' });
const later = () => new Promise((resolve) => setTimeout(resolve, 3));

describe('EventBus sequence numbers', () => {
  it('a resume with a number this bus gave out is exact', () => {
    const bus = new EventBus();
    const first = bus.deliver(status('a'));
    bus.deliver(status('b'));
    bus.deliver(status('c'));
    expect(bus.changesSince(first).map((e) => e.event)).toEqual([status('b'), status('c')]);
  });

  it("a resume on another server with the first server's number misses nothing", async () => {
    const serverB = new EventBus();
    await later();
    const serverA = new EventBus();
    // B's own event, delivered on B first (it reaches A later, after the client's last event).
    serverB.deliver(status('from-b'));
    await later();
    const lastSeenOnA = serverA.deliver(status('from-a'));
    serverB.deliver(status('from-a'));
    expect(serverB.changesSince(lastSeenOnA).map((e) => e.event)).not.toContainEqual(
      status('from-b'),
    );
    const resumed = serverB.changesSince(lastSeenOnA, serverA.origin).map((e) => e.event);
    expect(resumed).toContainEqual(status('from-b'));
    // Live events on B after the resume are newer than the number the client holds.
    expect(serverB.deliver(status('live'))).toBeGreaterThan(lastSeenOnA);
  });

  it('event ids name their origin; a bare number reads as from elsewhere', () => {
    const bus = new EventBus();
    const id = bus.changeId(bus.deliver(status('a')));
    expect(parseChangeId(id)).toEqual({ seq: Number(id.split('-')[0]), origin: bus.origin });
    expect(parseChangeId('1764825600000000')).toEqual({ seq: 1764825600000000, origin: null });
    for (const bad of ['', 'x', '12-zz', '1e9', '-1', null, undefined])
      expect(parseChangeId(bad)).toBeNull();
  });

  it('numbers keep growing even faster than the clock', () => {
    const bus = new EventBus();
    const seqs = Array.from({ length: 5000 }, (_, i) => bus.deliver(status(`x${i}`)));
    expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!)).toBe(true);
  });
});
