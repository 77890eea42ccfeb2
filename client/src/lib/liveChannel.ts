import type { ChangeEvent } from '@aegis/shared';
import type { AuditEntry } from './liveFeed';
import type { StreamState } from './connection';

/**
 * What the tab holding the live streams tells the dashboard's other tabs of the same browser.
 * Browsers allow six HTTP/1.1 connections per server, shared by all tabs: if every tab opened its
 * own SSE streams, the fourth tab would wait forever for a connection and its queries with it.
 * So one tab (the leader, elected with a Web Lock) streams, and relays what arrives here.
 */
export type LiveMessage =
  | { kind: 'audit'; entry: AuditEntry }
  | { kind: 'change'; event: ChangeEvent; quiet?: boolean }
  | { kind: 'state'; changes: StreamState; audit: StreamState }
  /** The leader (re)started its streams: events may have been missed meanwhile, refetch. */
  | { kind: 'resync' }
  /** A follower opened: the leader answers with its current stream state. */
  | { kind: 'hello' };

const NAME = 'aegis-live';

/** A channel to the other tabs; `null` where BroadcastChannel is missing (each tab streams alone). */
export function openLiveChannel(onMessage: (message: LiveMessage) => void): {
  post: (message: LiveMessage) => void;
  close: () => void;
} | null {
  if (typeof BroadcastChannel === 'undefined') return null;
  const channel = new BroadcastChannel(NAME);
  // Messages come only from this origin's own tabs, written by this module.
  channel.onmessage = (e: MessageEvent<LiveMessage>) => onMessage(e.data);
  return {
    post: (message) => channel.postMessage(message),
    close: () => channel.close(),
  };
}

/** Whether tabs can elect one leader (Web Locks exist only in secure contexts: https, localhost). */
export function canShareStreams(): boolean {
  return (
    typeof navigator !== 'undefined' &&
    'locks' in navigator &&
    typeof BroadcastChannel !== 'undefined'
  );
}

/**
 * Asks for the browser-wide live-stream lock; `onLeader` runs when this tab gets it (at once, or
 * when the current leader's tab closes). The returned function gives the lock up.
 */
export function requestLeadership(onLeader: () => void): () => void {
  const controller = new AbortController();
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  navigator.locks
    .request(`${NAME}-leader`, { signal: controller.signal }, async () => {
      onLeader();
      await held;
    })
    .catch(() => {
      // Aborted while still waiting: this tab gave up before it ever led.
    });
  return () => {
    controller.abort();
    release();
  };
}
