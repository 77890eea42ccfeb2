import { useEffect, useRef, useState } from 'react';

/** How long a decision can be taken back before it is sent. */
export const UNDO_MS = 5000;

export interface Scheduled<D> {
  id: number;
  decision: D;
  /** When it will be sent (ms since the epoch). */
  due: number;
}

/**
 * Decisions held back for {@link UNDO_MS} before they are sent, so "Undo" is real: nothing has
 * reached the server, so no agent can have acted on it. (Revoking on the server instead would
 * race the agent, which is told of an approval at once and may already have run the tool.)
 * Leaving the page sends what is scheduled — the person did decide; closing the tab first asks.
 */
export function useUndoableDecisions<D>(send: (id: number, decision: D) => void) {
  const [scheduled, setScheduled] = useState<Array<Scheduled<D>>>([]);
  const timers = useRef(new Map<number, { timer: ReturnType<typeof setTimeout>; decision: D }>());
  const sendRef = useRef(send);
  sendRef.current = send;

  const drop = (id: number) => {
    const t = timers.current.get(id);
    if (t) clearTimeout(t.timer);
    timers.current.delete(id);
    setScheduled((list) => list.filter((s) => s.id !== id));
  };

  const schedule = (id: number, decision: D) => {
    if (timers.current.has(id)) return;
    const timer = setTimeout(() => {
      drop(id);
      sendRef.current(id, decision);
    }, UNDO_MS);
    timers.current.set(id, { timer, decision });
    setScheduled((list) => [...list, { id, decision, due: Date.now() + UNDO_MS }]);
  };

  useEffect(
    () => () => {
      for (const [id, { timer, decision }] of timers.current) {
        clearTimeout(timer);
        sendRef.current(id, decision);
      }
      timers.current.clear();
    },
    [],
  );

  useEffect(() => {
    if (scheduled.length === 0) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [scheduled.length]);

  return { scheduled, schedule, undo: drop };
}
