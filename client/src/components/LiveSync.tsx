import { useEffect, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { isResumeGap } from '@aegis/shared';
import { useTRPC } from '../lib/trpc';
import { connectionStore, setStream, type StreamState } from '../lib/connection';
import { applyChange, applyEntry, useBatchedInvalidate } from '../lib/applyLive';
import {
  canShareStreams,
  openLiveChannel,
  requestLeadership,
  type LiveMessage,
} from '../lib/liveChannel';
import { isUnauthorized } from '../lib/errors';
import { usePageVisible } from '../hooks/usePageVisible';

type StreamName = 'changes' | 'audit';

/**
 * Both streams start with what happened in this many past milliseconds: lists load while they
 * connect, and an entry or approval written in between would be on neither. Replayed entries are
 * dropped by id when shown already; replayed change events are applied in order (adding an
 * approval already listed changes nothing; its later decision removes it again).
 */
const RECENT_MS = 10_000;
/**
 * A change event delivered more than this long before the stream started (by the id's server
 * time) came with the stream's replay: applied, but not toasted again. The margin absorbs a small
 * clock difference between browser and server; a larger one only mutes toasts for that long.
 */
const REPLAY_MARGIN_MS = 500;

function isReplayed(eventId: string, startedAt: number): boolean {
  const deliveredMs = Number(/^\d+/.exec(eventId)?.[0] ?? NaN) / 1000;
  return Number.isFinite(deliveredMs) && deliveredMs < startedAt - REPLAY_MARGIN_MS;
}

function streamState(state: { state: string; error: unknown }): StreamState {
  if (state.state === 'pending') return 'connected';
  return state.error ? 'reconnecting' : 'connecting';
}

/**
 * The dashboard's live updates: change events and audit entries update the TanStack Query cache
 * in place (or invalidate what they affect), so nothing polls.
 *
 * Browsers allow only six HTTP/1.1 connections per server, shared by every tab. So the tabs of
 * one browser elect a leader (a Web Lock); only the leader opens the two SSE streams and relays
 * every event to the other tabs over a BroadcastChannel. However many tabs are open, the browser
 * holds two streams and four connections stay free for queries. When the leader's tab closes,
 * another tab takes the lock, opens the streams and has every tab refetch once, since events may
 * have been missed in between. tRPC resends the last tracked event id when a stream reconnects.
 *
 * Where tabs can't share (no Web Locks outside secure contexts), each tab streams for itself and
 * a hidden tab closes its streams, so forgotten tabs don't starve the visible one.
 */
export function LiveSync({ onUnauthorized }: { onUnauthorized: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const invalidate = useBatchedInvalidate(qc);
  const [shared] = useState(canShareStreams);
  const [leader, setLeader] = useState(!shared);
  const visible = usePageVisible();
  const channel = useRef<ReturnType<typeof openLiveChannel>>(null);
  const leaderRef = useRef(leader);
  leaderRef.current = leader;
  // Set once this tab has shown events relayed by another leader: if it takes over, it resyncs.
  const followed = useRef(false);

  useEffect(() => {
    if (!shared) return;
    const onMessage = (m: LiveMessage) => {
      if (m.kind === 'hello') {
        if (leaderRef.current) {
          const { changes, audit } = connectionStore.get();
          channel.current?.post({ kind: 'state', changes, audit });
        }
        return;
      }
      if (leaderRef.current) return;
      followed.current = true;
      if (m.kind === 'audit') applyEntry(m.entry, trpc, invalidate);
      else if (m.kind === 'change') applyChange(m.event, trpc, qc, invalidate, m.quiet);
      else if (m.kind === 'resync') void qc.invalidateQueries();
      else {
        setStream('changes', m.changes);
        setStream('audit', m.audit);
      }
    };
    channel.current = openLiveChannel(onMessage);
    channel.current?.post({ kind: 'hello' });
    const giveUp = requestLeadership(() => setLeader(true));
    return () => {
      giveUp();
      channel.current?.close();
      channel.current = null;
    };
  }, [shared, trpc, qc, invalidate]);

  if (!leader) return null;
  return (
    <LiveStreams
      enabled={shared || visible}
      resyncFirst={followed.current}
      relay={(m) => channel.current?.post(m)}
      onUnauthorized={onUnauthorized}
    />
  );
}

/** The leader's two SSE streams; everything they bring is applied here and relayed to the other tabs. */
function LiveStreams(props: {
  enabled: boolean;
  resyncFirst: boolean;
  relay: (m: LiveMessage) => void;
  onUnauthorized: () => void;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const invalidate = useBatchedInvalidate(qc);
  const connectedOnce = useRef({ changes: props.resyncFirst, audit: props.resyncFirst });
  // When the changes stream last started: what it replays right then is not announced again.
  const changesStartedAt = useRef(0);

  const setState = (name: StreamName, state: StreamState) => {
    setStream(name, state);
    const { changes, audit } = connectionStore.get();
    props.relay({ kind: 'state', changes, audit });
  };
  const onStarted = (name: StreamName) => () => {
    if (name === 'changes') changesStartedAt.current = Date.now();
    setState(name, 'connected');
    // After a reconnect or a change of leader, derived numbers may have moved: refresh them once.
    if (connectedOnce.current[name]) {
      void qc.invalidateQueries();
      props.relay({ kind: 'resync' });
    }
    connectedOnce.current[name] = true;
  };
  const onError = (error: unknown) => {
    if (isUnauthorized(error)) props.onUnauthorized();
  };

  useSubscription(
    trpc.changes.onChange.subscriptionOptions(
      { recentMs: RECENT_MS },
      {
        enabled: props.enabled,
        onStarted: onStarted('changes'),
        onData: ({ id, data }) => {
          // The event id starts with the server's delivery time in µs: one delivered well before
          // this stream started came with its replay (see isReplayed).
          const quiet = isReplayed(id, changesStartedAt.current);
          applyChange(data, trpc, qc, invalidate, quiet);
          props.relay({ kind: 'change', event: data, quiet });
        },
        onError,
        onConnectionStateChange: (s) => setState('changes', streamState(s)),
      },
    ),
  );

  useSubscription(
    trpc.audit.onEntry.subscriptionOptions(
      { recentMs: RECENT_MS },
      {
        enabled: props.enabled,
        onStarted: onStarted('audit'),
        onData: ({ data }) => {
          // Resumed from further back than the server replays: the lists reload what was skipped.
          if (isResumeGap(data)) {
            void qc.invalidateQueries();
            props.relay({ kind: 'resync' });
            return;
          }
          applyEntry(data, trpc, invalidate);
          props.relay({ kind: 'audit', entry: data });
        },
        onError,
        onConnectionStateChange: (s) => setState('audit', streamState(s)),
      },
    ),
  );

  return null;
}
