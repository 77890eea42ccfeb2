import { Link } from 'react-router';
import { usePrincipal } from '../hooks/usePrincipal';
import { Cmd } from './EmptyState';

const SNIPPET = `import { createAegis } from '@aegis/sdk';

const aegis = createAegis(); // reads both from the env
const bot = aegis.agent('payments-bot', {
  owner: 'you',
  allows: ['lookup_balance'],
  blocks: ['delete_records'], // the rest: REVIEW
});
const lookup = bot.guard(lookupFn, {
  action: 'lookup_balance',
});`;

/**
 * What a team with no agent yet does next, on the pages that are empty until then: which key the
 * agent needs (not the admin's), where this server is, the few lines of SDK, and the demo.
 */
export function ConnectAgent() {
  const { isAdmin } = usePrincipal();
  const url = window.location.origin;
  return (
    <div className="mt-2 w-full min-w-0 text-left text-sm" data-testid="connect-agent">
      <ol className="list-decimal space-y-3 pl-5">
        <li>
          {isAdmin ? (
            <Link to="/keys?new=agent" className="font-semibold underline">
              Create an agent key
            </Link>
          ) : (
            <span className="font-semibold">Ask an admin for an agent key</span>
          )}{' '}
          naming the agent it may act for (or <Cmd>aegis keys create</Cmd>). Don’t give an agent the
          admin key.
        </li>
        <li>
          Give the agent this server and its key:
          <pre
            className="mt-1 overflow-x-auto rounded-lg bg-neutral-100 p-2 font-mono text-xs text-neutral-900 dark:bg-neutral-800 dark:text-neutral-100"
            data-testid="connect-env"
          >
            {`AEGIS_URL=${url}\nAEGIS_API_KEY=aegis_…`}
          </pre>
          <Cmd>npx aegis status</Cmd> checks both.
        </li>
        <li>
          Declare the agent and guard its tools with <Cmd>@aegis/sdk</Cmd>: it appears here as soon
          as it is declared.
          <pre className="mt-1 overflow-x-auto rounded-lg bg-neutral-100 p-2 font-mono text-xs text-neutral-900 dark:bg-neutral-800 dark:text-neutral-100">
            {SNIPPET}
          </pre>
        </li>
      </ol>
      <p className="mt-3">
        Or watch four banking agents first:{' '}
        <code className="font-mono text-xs wrap-anywhere">AEGIS_URL={url} npm run demo</code> in the
        Aegis checkout (it runs with the admin key in <Cmd>.aegis/admin.key</Cmd>, or{' '}
        <Cmd>AEGIS_API_KEY</Cmd>).
      </p>
    </div>
  );
}
