import { afterEach, describe, expect, it, vi } from 'vitest';
import pino from 'pino';
import type { Principal } from '@aegis/shared';
import { StreamGuard, type CredentialLookup, type StreamEnd } from './streamGuard';
import { sha256 } from './secrets';

const viewer: Principal = { keyId: 'k1', name: 'v', role: 'viewer', agents: null };
const req = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

/** A lookup over a mutable table of key → principal, counting its reads. */
function table(entries: Record<string, Principal>) {
  const reads = { keys: 0 };
  const lookup: CredentialLookup = {
    keys: (hashes) => {
      reads.keys++;
      const found = Object.entries(entries).filter(([key]) => hashes.includes(sha256(key)));
      return Promise.resolve(new Map(found.map(([key, p]) => [sha256(key), p])));
    },
    sessions: () => Promise.resolve(new Map()),
  };
  return { entries, reads, lookup };
}

afterEach(() => vi.useRealTimers());

describe('StreamGuard', () => {
  it('ends a stream at the periodic re-check when its key is gone, without being told', async () => {
    vi.useFakeTimers();
    const t = table({ key1: viewer });
    const guard = new StreamGuard(t.lookup, pino({ level: 'silent' }), 1_000);
    const ended: StreamEnd[] = [];
    guard.watch(req('key1'), viewer, (why) => ended.push(why));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(ended).toEqual([]);
    delete t.entries.key1;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(ended).toEqual(['revoked']);
  });

  it('ends a stream whose role or agents changed, and keeps the others', async () => {
    const agent: Principal = { keyId: 'k2', name: 'a', role: 'agent', agents: ['x'] };
    const t = table({ key1: viewer, key2: agent });
    const guard = new StreamGuard(t.lookup, pino({ level: 'silent' }));
    const ended: string[] = [];
    guard.watch(req('key1'), viewer, () => ended.push('key1'));
    guard.watch(req('key2'), agent, () => ended.push('key2'));
    t.entries.key2 = { ...agent, agents: ['x', 'y'] };
    await guard.recheck();
    expect(ended).toEqual(['key2']);
  });

  it('reads every credential once per check, however many streams share it', async () => {
    const t = table({ key1: viewer });
    const guard = new StreamGuard(t.lookup, pino({ level: 'silent' }));
    for (let i = 0; i < 100; i++) guard.watch(req('key1'), viewer, () => undefined);
    await guard.recheck();
    expect(t.reads.keys).toBe(1);
    expect(guard.due()).toBeNull();
  });

  it('makes events wait for a running check, and runs a check asked for meanwhile after it', async () => {
    const t = table({ key1: viewer });
    const guard = new StreamGuard(t.lookup, pino({ level: 'silent' }));
    const ended: StreamEnd[] = [];
    guard.watch(req('key1'), viewer, (why) => ended.push(why));
    const first = guard.recheck();
    // The key is revoked while the first check is reading: only a second check can see it.
    delete t.entries.key1;
    const second = guard.recheck();
    expect(guard.due()).toBe(second);
    await first;
    await second;
    expect(ended).toEqual(['revoked']);
    expect(guard.due()).toBeNull();
  });

  it('ends the streams it cannot check (fail closed)', async () => {
    const lookup: CredentialLookup = {
      keys: () => Promise.reject(new Error('store down')),
      sessions: () => Promise.resolve(new Map()),
    };
    const guard = new StreamGuard(lookup, pino({ level: 'silent' }));
    const ended: StreamEnd[] = [];
    guard.watch(req('key1'), viewer, (why) => ended.push(why));
    await guard.recheck();
    expect(ended).toEqual(['unverified']);
  });
});
