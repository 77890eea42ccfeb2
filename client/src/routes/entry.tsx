import { useState, type ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { ChevronLeft, FilePenLine } from 'lucide-react';
import { argsDiff, argsPointer, valueAtPointer } from '@aegis/shared/argsDiff';
import { SEED_RULE_IDS } from '@aegis/shared';
import { useTRPC, type RouterOutputs } from '../lib/trpc';
import { errorCode } from '../lib/errors';
import { fullTime, prettyJson } from '../lib/format';
import { activityLink } from '../lib/activityLink';
import { ruleAnchor } from '../components/rules/RuleTable';
import { RuleSince } from '../components/rules/RuleSince';
import { HiddenCharsWarning } from '../components/HiddenCharsWarning';
import { stepNote } from '../lib/trace';
import { usePrincipal } from '../hooks/usePrincipal';
import { ActivityFeed, SOURCE_LABEL } from '../components/ActivityFeed';
import { AgentStatusBadge, StatusBadge } from '../components/StatusBadge';
import { KillSwitch } from '../components/KillSwitch';
import { EmptyState } from '../components/EmptyState';
import { ArgsChanges, type ShownChange } from '../components/ArgsChanges';
import { PageHeader, QueryState } from '../components/QueryState';
import { SoftWrap } from '../components/SoftWrap';

type Detail = RouterOutputs['audit']['detail'];
type DecidedApproval = NonNullable<Detail['approval']>;

const CHANNEL_LABEL: Record<NonNullable<Detail['entry']['channel']>, string> = {
  mcp: 'MCP gateway',
  'http-proxy': 'HTTP proxy',
};

function Field({ label, children, wide = false }: { label: string; children: ReactNode; wide?: boolean }) {
  return (
    <div className={wide ? 'col-span-2 min-w-0 sm:col-span-4' : 'min-w-0'}>
      <dt className="text-xs muted">{label}</dt>
      <dd className="wrap-anywhere">{children}</dd>
    </div>
  );
}

/** The call's steps in order: decision, a person's decision, the run — each linked to its entry. */
function Trace({ detail }: { detail: Detail }) {
  return (
    <ol aria-label="Trace of this call" className="space-y-2">
      {detail.trace.map((step, i) => (
        <li key={step.id} data-testid="trace-step" className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
          <StatusBadge status={step.status} />
          {/* A basis, so on a phone the time wraps below instead of squeezing the note to a word a line. */}
          <span className="min-w-0 flex-1 basis-48" data-testid="trace-note">{stepNote(step, detail.trace[i - 1])}</span>
          <time dateTime={step.timestamp} className="text-xs muted">{fullTime(step.timestamp)}</time>
          {step.id === detail.entry.id ? (
            <span className="text-xs font-semibold">#{step.id} (this entry)</span>
          ) : (
            <Link to={`/activity/${step.id}`} className="text-xs font-semibold underline-offset-2 hover:underline">
              #{step.id}
            </Link>
          )}
        </li>
      ))}
    </ol>
  );
}

/**
 * The fields a reviewer changed when approving, with masked values only (this page is for every
 * role). Which fields changed comes from the server, found on the real values: two masked values
 * can look alike where the real ones differ.
 */
/** An approval's state in words: a held result's is released or withheld, a call's approved or denied. */
function approvalState(a: DecidedApproval): string {
  if (a.kind === 'result' && a.status === 'APPROVED') return 'result released';
  if (a.kind === 'result' && a.status === 'DENIED') return 'result withheld';
  if (a.kind === 'result' && a.status === 'PENDING') return 'result held for a reviewer (the tool ran; the agent waits)';
  if (a.kind === 'result' && a.status === 'EXPIRED') return 'result held, nobody decided: withheld';
  return a.status.toLowerCase();
}

function editsOf(approval: DecidedApproval): ShownChange[] {
  const edited = approval.editedArgs ?? {};
  const edits =
    approval.edits ?? argsDiff(approval.args, edited).map((c) => ({ path: argsPointer(c.path), change: c.change }));
  return edits.map(({ path, change }) => {
    const before = change === 'added' ? undefined : valueAtPointer(approval.args, path);
    const after = change === 'removed' ? undefined : valueAtPointer(edited, path);
    const alike = change === 'changed' && JSON.stringify(before) === JSON.stringify(after);
    return {
      pointer: path,
      change,
      before,
      after,
      ...(alike && { note: 'Masked, the two values look alike; the real values differ.' }),
    };
  });
}

function EditedArgs({ approval, ranHere }: { approval: DecidedApproval; ranHere: boolean }) {
  const changes = editsOf(approval);
  const by = approval.decidedBy ?? 'a reviewer';
  return (
    <section className="card mb-4" aria-labelledby="edited-title" data-testid="edited-args">
      <h2 id="edited-title" className="mb-1 flex items-center gap-2 font-bold">
        <FilePenLine className="size-4" aria-hidden /> Approved with edited arguments
      </h2>
      <p className="mb-2 text-sm muted">
        {by} changed {changes.length === 1 ? '1 field' : `${changes.length} fields`} when approving request #{approval.id}:{' '}
        {approval.consumedAt
          ? `the agent ran the edited call${ranHere ? ' (this entry)' : ''}, not the one it asked for.`
          : 'the agent runs the edited call, once, not the one it asked for.'}{' '}
        Sensitive values stay masked.
      </p>
      <ArgsChanges label={`Fields changed on approval #${approval.id}`} changes={changes} />
    </section>
  );
}

/** Admins re-walk the hash chain; the entry is intact when nothing at or before it is broken. */
function VerifyChain({ id }: { id: number }) {
  const trpc = useTRPC();
  const [asked, setAsked] = useState(false);
  const verify = useQuery({ ...trpc.audit.verify.queryOptions(), enabled: asked, staleTime: 0 });
  const bad = verify.data?.firstBad;
  return (
    <div className="mt-3 flex flex-wrap items-center gap-3 text-sm">
      <button type="button" className="btn btn-ghost" onClick={() => (asked ? void verify.refetch() : setAsked(true))}>
        Verify the chain up to this entry
      </button>
      <span role="status">
        {verify.isFetching
          ? 'Checking…'
          : verify.data
            ? bad && bad.id <= id
              ? `Broken at #${bad.id}: ${bad.reason}`
              : `Intact: every link up to #${id} matches its hash`
            : ''}
      </span>
    </div>
  );
}

export function EntryPage() {
  const id = Number(useParams().id);
  const trpc = useTRPC();
  const { isAdmin, canReview } = usePrincipal();
  const valid = Number.isSafeInteger(id) && id > 0;
  const q = useQuery({ ...trpc.audit.detail.queryOptions({ id }), enabled: valid });
  // The agent as it is now (the live stream keeps its status current): from a blocked call, the
  // kill-switch is right here rather than a page away. An agent since deleted shows none.
  const agentName = q.data?.entry.agent ?? '';
  const agent = useQuery({
    ...trpc.agents.byName.queryOptions({ name: agentName }),
    enabled: agentName !== '',
    retry: false,
  });
  const now = agent.data?.agent;

  if (!valid || errorCode(q.error) === 'NOT_FOUND') {
    return (
      <EmptyState title={`No audit entry #${useParams().id ?? ''}`}>
        <Link to="/activity" className="underline">Back to the audit log</Link>
      </EmptyState>
    );
  }
  const d = q.data;
  const e = d?.entry;
  return (
    <>
      <Link to="/activity" className="mb-3 inline-flex items-center gap-1 text-sm font-semibold muted hover:underline">
        <ChevronLeft className="size-4" aria-hidden /> Audit log
      </Link>
      <PageHeader
        title={`Entry #${id}`}
        subtitle={e ? `${e.action}${e.agent ? ` · ${e.agent}` : ''} · ${fullTime(e.timestamp)}` : undefined}
        actions={now && <KillSwitch name={now.name} status={now.status} canFlip={canReview} />}
      />
      <QueryState query={q} rows={4}>
        {d && e && (
          <>
            <section className="card mb-4" aria-label="The entry">
              <dl className="grid grid-cols-2 gap-4 text-sm sm:grid-cols-4">
                <Field label="Status"><StatusBadge status={e.status} /></Field>
                <Field label="Agent">
                  {e.agent ? (
                    <span className="flex flex-wrap items-center gap-2">
                      <Link to={`/agents/${encodeURIComponent(e.agent)}`} className="font-semibold underline-offset-2 hover:underline">{e.agent}</Link>
                      {now && <span title="The agent's status now" data-testid="entry-agent-status"><AgentStatusBadge status={now.status} /></span>}
                    </span>
                  ) : (
                    '—'
                  )}
                </Field>
                <Field label="Action"><span className="font-mono">{e.action}</span></Field>
                <Field label="Time"><time dateTime={e.timestamp}>{fullTime(e.timestamp)}</time></Field>
                <Field label="Written by">{SOURCE_LABEL[e.source]}{e.actor ? ` · ${e.actor}` : ''}</Field>
                {e.source !== 'person' && (
                  // Decisions and reports: whether the agent asked itself or came through a gateway.
                  <Field label="Channel">
                    <span data-testid="entry-channel">{e.channel ? CHANNEL_LABEL[e.channel] : 'SDK / API'}</span>
                  </Field>
                )}
                {e.upstreamTool && (
                  // The action is derived from (or mapped onto) it: this is exactly what ran.
                  <Field label="Upstream tool">
                    <span data-testid="entry-upstream-tool" className="font-mono wrap-anywhere">
                      {e.upstream ? `${e.upstream} · ` : ''}{e.upstreamTool}
                    </span>
                  </Field>
                )}
                <Field label="Call id"><span className="font-mono text-xs">{e.callId ?? '—'}</span></Field>
                <Field label="Policy version">{d.policyVersion ?? '—'}</Field>
                <Field label="Outcome">
                  {e.outcome ?? '—'}
                  {e.durationMs != null && ` · ${Math.round(e.durationMs)} ms`}
                </Field>
                <Field label="Reason" wide>{e.details || '—'}</Field>
                {e.rule && (
                  <Field label="Deciding rule" wide>
                    <span data-testid="entry-rule">
                      {e.rule.scope === 'default' ? (
                        `none matched: the agent's default (policy v${e.rule.version})`
                      ) : (
                        <>
                          <span className="font-mono">{e.rule.id}</span> in {e.rule.scope === 'global' ? 'the global policy' : "the agent's policy"} v{e.rule.version}
                        </>
                      )}
                    </span>
                    <RuleLinks rule={e.rule} agent={e.agent} />
                    {(e.rule.scope === 'global' || (e.rule.scope === 'agent' && e.agent && !SEED_RULE_IDS.includes(e.rule.id))) && (
                      <RuleSince rule={{ ...e.rule, scope: e.rule.scope }} agent={e.agent ?? null} />
                    )}
                  </Field>
                )}
                {d.approval && (
                  <Field label="Approval" wide>
                    #{d.approval.id} · {approvalState(d.approval)}
                    {d.approval.decidedBy && ` by ${d.approval.decidedBy}`}
                    {d.approval.decidedAt && ` at ${fullTime(d.approval.decidedAt)}`}
                    {d.approval.consumedAt && ` · used at ${fullTime(d.approval.consumedAt)}`}
                    {d.approval.editedArgs && ' · with edited arguments'}
                  </Field>
                )}
                {d.approval?.pausedRun && (
                  <Field label="Paused run" wide>
                    thread <span className="font-mono">{d.approval.pausedRun.threadId}</span> · paused at {fullTime(d.approval.pausedRun.pausedAt)}
                    {d.approval.pausedRun.resumedAt ? ` · resumed at ${fullTime(d.approval.pausedRun.resumedAt)}` : ' · not resumed yet'}
                  </Field>
                )}
                {e.findings && e.findings.length > 0 && (
                  <Field label="DLP findings" wide>
                    {e.findings.map(findingText).join(', ')}
                  </Field>
                )}
              </dl>
            </section>
            {d.approval?.editedArgs && <EditedArgs approval={d.approval} ranHere={ranEdited(e, d.approval)} />}
            <section className="card mb-4" aria-labelledby="args-title">
              <h2 id="args-title" className="mb-2 font-bold">
                {d.approval?.editedArgs ? (ranEdited(e, d.approval) ? 'Arguments it ran with (edited) ' : 'Arguments as the agent asked ') : 'Arguments '}
                <span className="text-xs font-normal muted">(sensitive values masked)</span>
              </h2>
              <pre className="overflow-x-auto rounded-xl bg-neutral-50 p-3 font-mono text-xs whitespace-pre-wrap wrap-anywhere dark:bg-neutral-950" data-testid="entry-args">
                {e.argsPreview ? prettyJson(e.argsPreview) : 'No arguments recorded'}
              </pre>
              <HiddenCharsWarning preview={e.argsPreview} />
            </section>
            <section className="card mb-4" aria-labelledby="trace-title">
              <h2 id="trace-title" className="mb-2 font-bold">Trace</h2>
              <Trace detail={d} />
            </section>
            <section className="card mb-4" aria-labelledby="chain-title">
              <h2 id="chain-title" className="mb-2 font-bold">Hash chain</h2>
              <dl className="grid grid-cols-1 gap-2 font-mono text-xs sm:grid-cols-2">
                <Field label="Previous entry's hash">{e.prevHash ?? '— (first entry)'}</Field>
                <Field label="This entry's hash">{e.hash ?? '—'}</Field>
              </dl>
              {isAdmin && <VerifyChain id={e.id} />}
            </section>
            {e.agent && (
              <section className="card" aria-labelledby="near-title">
                <h2 id="near-title" className="mb-2 font-bold">{e.agent} just before and after</h2>
                {d.before.length + d.after.length === 0 ? (
                  <p className="text-sm muted">No other entries of this agent.</p>
                ) : (
                  <ActivityFeed entries={[...[...d.after].reverse(), e, ...d.before]} showAgent={false} current={e.id} label="Neighbouring entries" />
                )}
                <AroundLink agent={e.agent} at={e.timestamp} />
                {e.runId && <RunLink run={e.runId} />}
              </section>
            )}
          </>
        )}
      </QueryState>
    </>
  );
}

const LINK = 'font-semibold underline underline-offset-2';

/**
 * From the deciding rule to where it is written (the Global rules page, or the agent's page: its
 * lists for the seed's rules, its conditional rules for the others), and to the other calls it
 * decided. The links open the rules as they read now; {@link RuleSince} says whether that is how
 * the rule read when it decided.
 */
function RuleLinks({ rule, agent }: { rule: NonNullable<Detail['entry']['rule']>; agent?: string | null }) {
  if (rule.scope === 'default' || (rule.scope === 'agent' && !agent)) return null;
  const agentPage = `/agents/${encodeURIComponent(agent ?? '')}`;
  const where =
    rule.scope === 'global'
      ? `/rules#${encodeURIComponent(ruleAnchor(rule.id))}`
      : SEED_RULE_IDS.includes(rule.id)
        ? agentPage
        : `${agentPage}#${encodeURIComponent(ruleAnchor(rule.id))}`;
  const decided = new URLSearchParams({ rule: rule.id });
  if (rule.scope === 'agent' && agent) decided.set('agent', agent);
  return (
    <span className="mt-1 flex flex-wrap gap-x-4 gap-y-1 text-xs">
      <Link to={where} className={LINK} data-testid="entry-rule-link">
        {rule.scope === 'global' ? 'Open in Global rules' : SEED_RULE_IDS.includes(rule.id) ? "Open the agent's policy" : "Open in the agent's rules"}
      </Link>
      <Link to={`/activity?${decided.toString()}`} className={LINK}>
        Other calls this rule decided
      </Link>
    </span>
  );
}

/** Minutes either side of an entry that "around this time" covers. */
const AROUND_MIN = 15;

/** From an entry to all of its agent's calls around it in Activity (filters there, exportable). */
function AroundLink({ agent, at }: { agent: string; at: string }) {
  const t = Date.parse(at);
  const from = new Date(t - AROUND_MIN * 60_000).toISOString();
  const to = new Date(t + AROUND_MIN * 60_000).toISOString();
  return (
    <p className="mt-2 text-sm break-words">
      <Link to={activityLink({ agent, from, to })} className={LINK} data-testid="entry-around-link">
        All of <SoftWrap text={agent} />’s calls from {AROUND_MIN} min before to {AROUND_MIN} min after
      </Link>
      <span className="muted"> · in Activity, to filter and export</span>
    </p>
  );
}

/** From a call to every call of the same run (the conversation or job its agent named). */
function RunLink({ run }: { run: string }) {
  return (
    <p className="mt-1 text-sm break-words">
      <Link to={activityLink({ run })} className={LINK} data-testid="entry-run-link">
        Every call of this run
      </Link>
      <span className="muted"> · run <code className="break-all">{run}</code></span>
    </p>
  );
}

/** The entry of the call an approval with edited arguments let through (it ran those). */
function ranEdited(e: Detail['entry'], approval: DecidedApproval): boolean {
  return e.status === 'ALLOWED' && e.source === 'server' && e.approvalId === approval.id;
}

/** "ssn in the result", "card in the arguments at /message ×2": a path "" is the whole value. */
function findingText(f: { detector: string; where: 'args' | 'result'; path: string; count: number }): string {
  const side = f.where === 'result' ? 'in the result' : 'in the arguments';
  return `${f.detector} ${side}${f.path ? ` at ${f.path}` : ''}${f.count > 1 ? ` ×${f.count}` : ''}`;
}
