import { createStore } from './store';

/** State of one SSE stream as the connection indicator shows it. */
export type StreamState = 'connecting' | 'connected' | 'reconnecting';

export interface ConnectionState {
  changes: StreamState;
  audit: StreamState;
  /** Set when a request could not reach the server at all; cleared by the next answer. */
  unreachable: boolean;
}

export const connectionStore = createStore<ConnectionState>({
  changes: 'connecting',
  audit: 'connecting',
  unreachable: false,
});

export function setStream(name: 'changes' | 'audit', state: StreamState): void {
  connectionStore.set((c) => (c[name] === state ? c : { ...c, [name]: state }));
}

export function setUnreachable(unreachable: boolean): void {
  connectionStore.set((c) => (c.unreachable === unreachable ? c : { ...c, unreachable }));
}

/** The worst of the streams: what the header indicator shows. */
export function overallState(c: ConnectionState): StreamState {
  if (c.unreachable || c.changes === 'reconnecting' || c.audit === 'reconnecting') return 'reconnecting';
  if (c.changes === 'connecting' || c.audit === 'connecting') return 'connecting';
  return 'connected';
}
