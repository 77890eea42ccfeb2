import { connectionStore, overallState } from '../lib/connection';
import { useStore } from '../lib/store';

const LABEL = { connected: 'Live', connecting: 'Connecting…', reconnecting: 'Reconnecting…' } as const;
const DOT = { connected: 'bg-allow', connecting: 'bg-amber-500', reconnecting: 'bg-block-ink' } as const;

/** Whether live updates are flowing (both SSE streams connected). */
export function ConnectionIndicator() {
  const state = overallState(useStore(connectionStore));
  return (
    <span
      role="status"
      aria-live="polite"
      data-state={state}
      title={state === 'connected' ? 'Live updates connected' : 'Live updates are not flowing right now'}
      className="inline-flex items-center gap-1.5 rounded-full border border-neutral-200 px-2.5 py-1 text-xs font-medium dark:border-neutral-700"
    >
      <span className={`relative inline-flex size-2 rounded-full ${DOT[state]}`}>
        {state === 'connected' && <span className="absolute inline-flex size-full animate-ping rounded-full bg-allow opacity-60 motion-reduce:hidden" />}
      </span>
      {LABEL[state]}
    </span>
  );
}
