import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Pencil } from 'lucide-react';
import { useTRPC } from '../../lib/trpc';
import { dateTime } from '../../lib/format';
import { usePrincipal } from '../../hooks/usePrincipal';
import { RuleEditor } from './RuleEditor';
import { RuleTable } from './RuleTable';
import { TryCall } from './TryCall';
import { VersionHistory } from './VersionHistory';

/** What a new document starts from: the kind, the target, no rules yet. */
function starter(agent: string | null): string {
  const head =
    agent === null
      ? 'kind: GlobalPolicy\n'
      : `kind: AgentPolicy\nagent: ${JSON.stringify(agent)}\n`;
  return `${head}rules:\n  - id: large-transfers\n    actions: [transfer_funds]\n    when: args.amount > 1000.0\n    effect: REVIEW\n    reason: "Transfers over $1,000 need a person"\n`;
}

/**
 * A policy's conditional rules (one agent's, or the global ones when `agent` is null): the
 * document in force as a table, an editor for admins, and "try a call".
 */
export function RulesPanel({ agent }: { agent: string | null }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { isAdmin } = usePrincipal();
  const target = agent === null ? {} : { agent };
  const stored = useQuery(trpc.policies.document.queryOptions(target));
  const [draft, setDraft] = useState<string | null>(null);
  const s = stored.data;

  return (
    <div className="space-y-3">
      {s?.document ? (
        <RuleTable document={s.document} />
      ) : (
        <p className="text-sm muted">
          {agent === null
            ? 'No global rules yet.'
            : 'No conditional rules yet: the lists above decide.'}
        </p>
      )}
      {/* An agent's version counts its lists' changes too ("Policy version" above says so):
          beside "no conditional rules yet" it would read as rules that are missing. */}
      {s && s.version > 0 && (s.document || agent === null) && (
        <p className="text-xs muted">
          Version {s.version}
          {s.author && ` by ${s.author}`}
          {s.at && ` · ${dateTime(s.at)}`}
          {s.message && ` · “${s.message}”`}
        </p>
      )}
      {s && s.version > 0 && <VersionHistory agent={agent} current={s} />}
      {isAdmin && draft === null && (
        <button
          type="button"
          className="btn btn-ghost mt-1"
          onClick={() => setDraft(s?.yaml || starter(agent))}
          disabled={!s}
        >
          <Pencil className="size-4" aria-hidden /> Edit rules
        </button>
      )}
      {draft !== null && (
        <RuleEditor
          draft={draft}
          onChange={setDraft}
          onClose={() => setDraft(null)}
          invalidate={() =>
            qc.invalidateQueries({ queryKey: trpc.policies.document.queryKey(target) })
          }
        />
      )}
      <TryCall agent={agent} draft={draft ?? undefined} />
    </div>
  );
}
