import { TriangleAlert } from 'lucide-react';
import { connectionStore } from '../lib/connection';
import { useStore } from '../lib/store';

/** Shown while requests can't reach the server; live streams keep retrying on their own. */
export function ErrorBanner() {
  const { unreachable, changes, audit } = useStore(connectionStore);
  const streamsDown = changes === 'reconnecting' && audit === 'reconnecting';
  if (!unreachable && !streamsDown) return null;
  return (
    <div role="alert" className="flex items-center gap-2 bg-block-ink px-4 py-2 text-sm font-medium text-white">
      <TriangleAlert className="size-4 shrink-0" aria-hidden />
      <span>
        Can’t reach the Aegis server. Showing the last data we had; retrying automatically. Is <code>npm start</code> still
        running?
      </span>
    </div>
  );
}
