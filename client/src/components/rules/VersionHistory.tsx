import { useEffect, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { History, RotateCcw } from 'lucide-react';
import { useTRPC, type RouterOutputs } from '../../lib/trpc';
import { dateTime } from '../../lib/format';
import { errorMessage } from '../../lib/errors';
import { toast } from '../../lib/toasts';
import { usePrincipal } from '../../hooks/usePrincipal';
import { Dialog } from '../Dialog';
import { DiffLines } from './DiffLines';
import type * as DiffModuleType from '@aegis/shared/policy/diff';

type Version = RouterOutputs['policies']['history'][number];
type Stored = RouterOutputs['policies']['document'];
type DiffModule = typeof DiffModuleType;

const SHOWN = 20;

// The YAML writer is only needed once someone opens the history: it stays out of the first load.
let diffModule: Promise<DiffModule> | null = null;
function useDiffModule(wanted: boolean): { mod: DiffModule | null; failed: boolean } {
  const [mod, setMod] = useState<DiffModule | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (!wanted || mod) return;
    diffModule ??= import('@aegis/shared/policy/diff');
    let live = true;
    diffModule.then(
      (m) => live && setMod(m),
      () => {
        // The chunk didn't load (the server went away, a new release replaced it): try again
        // next time the history opens, and say so now rather than "Loading…" for ever.
        diffModule = null;
        if (live) setFailed(true);
      },
    );
    return () => {
      live = false;
    };
  }, [wanted, mod]);
  return { mod, failed: failed && !mod };
}

const who = (v: { author: string | null }) => v.author ?? 'the agent’s code';

/**
 * A policy's versions, newest first: who made each, when and why, what it changed in the rules,
 * and (admins) a rollback to any earlier rule document, asked first and saved as a new version.
 */
export function VersionHistory({ agent, current }: { agent: string | null; current: Stored }) {
  const trpc = useTRPC();
  const { isAdmin } = usePrincipal();
  const [open, setOpen] = useState(false);
  const [target, setTarget] = useState<Version | null>(null);
  const history = useQuery({
    ...trpc.policies.history.queryOptions({ ...(agent === null ? {} : { agent }), limit: SHOWN }),
    enabled: open,
  });
  const { mod, failed } = useDiffModule(open);
  const versions = history.data ?? [];

  return (
    <>
      <details
        className="text-sm"
        onToggle={(e) => setOpen(e.currentTarget.open)}
        data-testid="version-history"
      >
        <summary className="inline-flex cursor-pointer items-center gap-1.5 font-semibold">
          <History className="size-4" aria-hidden /> Version history
        </summary>
        {history.isError || failed ? (
          <p role="alert" className="mt-2 text-block-ink dark:text-red-300">
            Could not load the versions:{' '}
            {history.isError ? errorMessage(history.error) : 'reload the page and try again'}
          </p>
        ) : !history.data || !mod ? (
          <p className="mt-2 muted">Loading the versions…</p>
        ) : (
          <ol className="mt-2 space-y-2" aria-label="Policy versions">
            {versions.map((v, i) => {
              const older = versions[i + 1];
              const yaml = mod.policyDocumentYaml(v.document);
              const base = older
                ? mod.policyDocumentYaml(older.document)
                : v.version === 1
                  ? ''
                  : null;
              const diff = base === null ? null : mod.lineDiff(base, yaml);
              const isCurrent = v.version === current.version;
              const sameRules = yaml === current.yaml;
              return (
                <li
                  key={v.version}
                  className="rounded-xl border border-neutral-200 p-3 dark:border-neutral-700"
                  data-testid="policy-version"
                >
                  <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
                    <span className="font-mono font-semibold">v{v.version}</span>
                    {isCurrent && (
                      <span className="rounded-full bg-allow-soft px-2 text-xs font-semibold text-allow-ink dark:bg-green-950 dark:text-green-200">
                        in force
                      </span>
                    )}
                    <span className="muted">
                      by {who(v)} · {dateTime(v.at)}
                    </span>
                    {v.message && <span className="wrap-anywhere">“{v.message}”</span>}
                    <span className="flex-1" />
                    {isAdmin && !isCurrent && (
                      <button
                        type="button"
                        className="btn btn-ghost"
                        onClick={() => setTarget(v)}
                        disabled={sameRules}
                        title={sameRules ? 'Its rules are the ones in force' : undefined}
                      >
                        <RotateCcw className="size-4" aria-hidden /> Roll back to v{v.version}…
                      </button>
                    )}
                  </div>
                  {diff === null ? (
                    <p className="mt-1 text-xs muted">Earlier versions are not shown.</p>
                  ) : diff === '' ? (
                    <p className="mt-1 text-xs muted">
                      {v.hasDocument ? 'Rules unchanged' : 'No conditional rules'}
                      {agent === null ? '' : ': the allow / block / review lists changed'}.
                    </p>
                  ) : (
                    <details className="mt-1">
                      <summary className="cursor-pointer text-xs font-semibold">
                        Rule changes in v{v.version}
                      </summary>
                      <DiffLines diff={diff} label={`Rule changes in v${v.version}`} />
                    </details>
                  )}
                </li>
              );
            })}
            {versions.length === SHOWN && (
              <li className="text-xs muted">
                The {SHOWN} newest versions; <code>aegis policy history</code> lists more.
              </li>
            )}
          </ol>
        )}
      </details>
      <Dialog open={target !== null} onClose={() => setTarget(null)} labelledBy="rollback-title">
        {target && mod && (
          <Rollback
            agent={agent}
            target={target}
            current={current}
            diff={mod.lineDiff(current.yaml, mod.policyDocumentYaml(target.document))}
            onClose={() => setTarget(null)}
          />
        )}
      </Dialog>
    </>
  );
}

function Rollback({
  agent,
  target,
  current,
  diff,
  onClose,
}: {
  agent: string | null;
  target: Version;
  current: Stored;
  diff: string;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [message, setMessage] = useState('');
  const rollback = useMutation({
    ...trpc.policies.rollback.mutationOptions({
      onSuccess: (res) => {
        void qc.invalidateQueries({ queryKey: trpc.policies.pathKey() });
        toast({
          kind: 'success',
          title: `Rolled back: v${target.version}’s rules are in force as v${res.version}`,
        });
        onClose();
      },
    }),
    // The refusal is shown in the dialog, not as a toast behind it.
    meta: { silent: true },
  });
  const whose = agent === null ? 'the global rules' : `${agent}’s rules`;
  return (
    <div>
      <h2 id="rollback-title" className="text-lg font-bold wrap-anywhere">
        Roll back {whose} to v{target.version}?
      </h2>
      {!target.hasDocument && (
        <p role="alert" className="mt-2 rounded-xl bg-review-soft p-3 text-sm">
          v{target.version} has no conditional rules: rolling back to it removes every rule below,
          {agent === null ? ' and no global rule decides.' : ' and the lists alone decide.'}
        </p>
      )}
      <p className="mt-2 text-sm">
        The rules of v{target.version} (by {who(target)}, {dateTime(target.at)}) decide the next
        calls, saved as v{current.version + 1}. Nothing is deleted: v{current.version} stays in the
        history and can be restored the same way.
        {agent !== null && ' The allow / block / review lists are not changed.'}
      </p>
      <p className="mt-3 text-sm font-semibold">What changes, from the rules in force:</p>
      <DiffLines diff={diff} label={`Changes from v${current.version} to v${target.version}`} />
      <label className="mt-3 block text-sm font-semibold" htmlFor="rollback-message">
        Why (kept with the version)
      </label>
      <input
        id="rollback-message"
        className="input mt-1 w-full"
        value={message}
        onChange={(e) => setMessage(e.target.value)}
        placeholder={`rollback to v${target.version}`}
        maxLength={500}
      />
      {rollback.error && (
        <p role="alert" className="mt-3 text-sm font-semibold text-block-ink dark:text-red-300">
          Not rolled back: {errorMessage(rollback.error)}
        </p>
      )}
      <div className="mt-5 flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
        <button type="button" className="btn btn-ghost" onClick={onClose} autoFocus>
          Cancel
        </button>
        <button
          type="button"
          className="btn btn-primary"
          disabled={rollback.isPending}
          onClick={() =>
            rollback.mutate({
              ...(agent === null ? {} : { agent }),
              version: target.version,
              ...(message.trim() ? { message: message.trim() } : {}),
            })
          }
        >
          <RotateCcw className="size-4" aria-hidden /> Roll back to v{target.version}
        </button>
      </div>
    </div>
  );
}
