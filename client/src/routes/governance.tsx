import { useState } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ShieldCheck } from 'lucide-react';
import { useTRPC, type RouterOutputs } from '../lib/trpc';
import { toast } from '../lib/toasts';
import { errorMessage } from '../lib/errors';
import { day, stamp } from '../lib/format';
import { usePrincipal } from '../hooks/usePrincipal';
import { EmptyState } from '../components/EmptyState';
import { PageHeader, QueryState } from '../components/QueryState';
import { RangePicker } from '../components/RangePicker';
import { ViolationSections } from '../components/ViolationSections';
import { useRange } from '../hooks/useRange';
import { SEVERITIES, useViolationFilters, type Severity } from '../hooks/useViolationFilters';
import { SoftWrap } from '../components/SoftWrap';

type Violation = RouterOutputs['governance']['violations']['violations'][number];
const SEVERITY_STYLE: Record<Severity, string> = {
  critical: 'bg-block-soft text-block-ink dark:bg-red-950 dark:text-red-300',
  high: 'bg-review-soft text-review dark:bg-amber-950 dark:text-amber-300',
  medium: 'bg-neutral-100 text-neutral-800 dark:bg-neutral-800 dark:text-neutral-200',
  low: 'bg-neutral-50 text-neutral-600 dark:bg-neutral-900 dark:text-neutral-400',
};

function SeverityBadge({ severity }: { severity: Severity }) {
  return (
    <span
      className={`rounded-full px-2 py-0.5 text-xs font-bold uppercase ${SEVERITY_STYLE[severity]}`}
    >
      {severity}
    </span>
  );
}

/** Acknowledge with a reason and an expiry; the violation stops counting until then. */
function AcknowledgeForm({ violation, onDone }: { violation: Violation; onDone: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [reason, setReason] = useState('');
  const [days, setDays] = useState(30);
  const ack = useMutation(
    trpc.governance.acknowledge.mutationOptions({
      onSuccess: (v) => {
        void qc.invalidateQueries({ queryKey: trpc.governance.pathKey() });
        toast({
          kind: 'success',
          title: v.ack ? `Acknowledged until ${day(v.ack.expiresAt)}` : 'Acknowledged',
        });
        onDone();
      },
      onError: (e) =>
        toast({ kind: 'error', title: 'Could not acknowledge', body: errorMessage(e) }),
    }),
  );
  return (
    <form
      className="mt-3 flex flex-wrap items-end gap-2"
      onSubmit={(e) => {
        e.preventDefault();
        ack.mutate({ key: violation.key, reason, expiresInDays: days });
      }}
    >
      <label className="flex min-w-64 flex-1 flex-col text-xs font-semibold">
        Reason
        <input
          className="mt-1 rounded-lg border border-neutral-300 px-2 py-1 text-sm font-normal dark:border-neutral-700 dark:bg-neutral-900"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          required
          placeholder="Why this risk is accepted"
        />
      </label>
      <label className="flex flex-col text-xs font-semibold">
        For (days)
        <input
          type="number"
          min={1}
          max={365}
          className="mt-1 w-24 rounded-lg border border-neutral-300 px-2 py-1 text-sm font-normal dark:border-neutral-700 dark:bg-neutral-900"
          value={days}
          onChange={(e) => setDays(Number(e.target.value))}
        />
      </label>
      <button
        type="submit"
        disabled={ack.isPending || !reason.trim()}
        className="rounded-lg bg-neutral-900 px-3 py-1.5 text-sm font-semibold text-white disabled:opacity-50 dark:bg-white dark:text-neutral-900"
      >
        Acknowledge
      </button>
    </form>
  );
}

function ViolationRow({ v, canAck }: { v: Violation; canAck: boolean }) {
  const [open, setOpen] = useState(false);
  return (
    <li
      className="rounded-xl border border-neutral-200 p-4 dark:border-neutral-800"
      data-testid="violation"
      data-rule={v.ruleId}
      data-agent={v.agent}
    >
      <div className="flex flex-wrap items-center gap-2">
        <SeverityBadge severity={v.severity} />
        <span className="font-semibold">{v.title}</span>
        <span className="min-w-0 text-sm break-words muted">
          <Link className="underline" to={`/agents/${encodeURIComponent(v.agent)}`}>
            <SoftWrap text={v.agent} />
          </Link>
          {v.tool && <> · {v.tool}</>} · {v.ruleId}
        </span>
        {v.acknowledged && v.ack && (
          <span
            className="rounded-full bg-allow-soft px-2 py-0.5 text-xs font-semibold text-allow-ink"
            title={v.ack.reason}
          >
            Acknowledged by {v.ack.by} until {day(v.ack.expiresAt)}
          </span>
        )}
      </div>
      <p className="mt-2 text-sm">{v.explanation}</p>
      <p className="mt-1 text-xs muted">
        {v.explanationSource === 'gemini'
          ? 'Explanation written by Gemini'
          : 'Explanation from the rule’s template'}{' '}
        · first seen {stamp(v.firstSeen)}
      </p>
      {v.remediation && (
        <p className="mt-1 text-sm">
          <span className="font-semibold">Fix: </span>
          {v.remediation}
        </p>
      )}
      {canAck &&
        v.status === 'OPEN' &&
        !v.acknowledged &&
        (open ? (
          <AcknowledgeForm violation={v} onDone={() => setOpen(false)} />
        ) : (
          <button
            type="button"
            className="mt-2 text-sm font-semibold underline"
            onClick={() => setOpen(true)}
          >
            Acknowledge…
          </button>
        ))}
    </li>
  );
}

/** The report's window when the URL names none (a month: what an audit usually asks for). */
const REPORT_RANGE = '30d';

const EXPORTS = [
  ['pdf', 'PDF'],
  ['json', 'JSON'],
  ['yaml', 'YAML'],
  ['md', 'Markdown'],
  ['csv', 'Audit CSV'],
] as const;

/** One click: the compliance report of the dashboard's range (the server streams it). */
function ExportLinks() {
  const [range] = useRange(REPORT_RANGE);
  const span = new URLSearchParams({ from: range.from, to: range.to }).toString();
  return (
    <div
      className="flex flex-wrap items-center gap-2 text-sm"
      aria-label="Export compliance report"
    >
      <RangePicker fallback={REPORT_RANGE} />
      <span className="font-semibold">Export:</span>
      {EXPORTS.map(([format, label]) => (
        <a
          key={format}
          href={`/export/report?format=${format}&${span}`}
          download
          className="rounded-lg border border-neutral-300 px-2 py-1 font-semibold hover:bg-neutral-100 dark:border-neutral-700 dark:hover:bg-neutral-800"
        >
          {label}
        </a>
      ))}
    </div>
  );
}

/** Governance: violations of the rules over agent manifests, most severe first. */
export function GovernancePage() {
  const trpc = useTRPC();
  const { canReview } = usePrincipal();
  const [filters, setFilter] = useViolationFilters();
  const { severity, agent, status } = filters;
  const list = useQuery(
    trpc.governance.violations.queryOptions({
      status,
      ...(severity ? { severity } : {}),
      ...(agent ? { agent } : {}),
    }),
  );
  const counts = list.data?.counts;
  const agents = [...new Set((list.data?.violations ?? []).map((v) => v.agent))].sort();
  return (
    <>
      <PageHeader
        title="Governance"
        subtitle="Rules over what each agent declares and was seen doing. Open, unacknowledged violations by severity:"
        actions={<ExportLinks />}
      />
      {counts && (
        <div className="mb-4 flex flex-wrap gap-2" aria-label="Open violations by severity">
          {SEVERITIES.map((s) => (
            <button
              type="button"
              key={s}
              aria-pressed={severity === s}
              onClick={() => setFilter('severity', severity === s ? '' : s)}
              className={`rounded-xl px-3 py-2 text-sm font-semibold ${SEVERITY_STYLE[s]} ${severity === s ? 'ring-2 ring-neutral-900 dark:ring-white' : ''}`}
            >
              {counts[s]} {s}
            </button>
          ))}
        </div>
      )}
      <div className="mb-4 flex flex-wrap gap-3 text-sm">
        <label className="flex items-center gap-2">
          Status
          <select
            className="rounded-lg border border-neutral-300 px-2 py-1 dark:border-neutral-700 dark:bg-neutral-900"
            value={status}
            onChange={(e) => setFilter('status', e.target.value === 'RESOLVED' ? 'RESOLVED' : '')}
          >
            <option value="OPEN">Open</option>
            <option value="RESOLVED">Resolved</option>
          </select>
        </label>
        {/* the select is as wide as its longest agent name: held to the screen's width on a phone */}
        <label className="flex max-w-full min-w-0 items-center gap-2">
          Agent
          <select
            className="min-w-0 max-w-full rounded-lg border border-neutral-300 px-2 py-1 dark:border-neutral-700 dark:bg-neutral-900"
            value={agent}
            onChange={(e) => setFilter('agent', e.target.value)}
          >
            <option value="">All</option>
            {agents.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </label>
      </div>
      <QueryState query={list}>
        {list.data?.violations.length === 0 ? (
          <EmptyState title="No violations" icon={ShieldCheck}>
            Every agent passes the governance rules{severity ? ` at ${severity} severity` : ''}.
          </EmptyState>
        ) : (
          <ViolationSections
            violations={list.data?.violations ?? []}
            row={(v) => <ViolationRow key={v.key} v={v} canAck={canReview} />}
          />
        )}
      </QueryState>
    </>
  );
}
