import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../../lib/trpc';
import { RuleTable } from './RuleTable';

/** Versions read to find the one that decided: as many as the history gives at once. */
const VERSIONS = 200;

/**
 * Whether the rule that decided a call still reads as it did: the entry names the version that
 * decided, and a link opens the rules in force, so say which of the two one is looking at — and,
 * when the rule changed or is gone, show it as it decided.
 */
export function RuleSince({
  rule,
  agent,
}: {
  rule: { id: string; scope: 'agent' | 'global'; version: number };
  agent: string | null;
}) {
  const trpc = useTRPC();
  const target = rule.scope === 'global' || agent === null ? {} : { agent };
  const stored = useQuery(trpc.policies.document.queryOptions(target));
  const behind = stored.data !== undefined && stored.data.version !== rule.version;
  const history = useQuery({
    ...trpc.policies.history.queryOptions({ ...target, limit: VERSIONS }),
    enabled: behind,
  });
  if (!stored.data) return null;
  const now = stored.data.version;
  if (!behind)
    return (
      <div className="text-xs muted" data-testid="rule-since">
        The policy is still v{now}: the rule reads as it decided.
      </div>
    );
  if (!history.data) return null;
  const then = history.data.find((v) => v.version === rule.version)?.document ?? null;
  const ruleThen = then?.rules.find((r) => r.id === rule.id);
  const ruleNow = stored.data.document?.rules.find((r) => r.id === rule.id);
  if (!then || !ruleThen)
    return (
      <div className="text-xs muted" data-testid="rule-since">
        The policy is now v{now}; v{rule.version} is older than the history shown here.
      </div>
    );
  const same = ruleNow !== undefined && JSON.stringify(ruleNow) === JSON.stringify(ruleThen);
  return (
    <div className="text-xs" data-testid="rule-since">
      {same ? (
        <span className="muted">
          The policy is now v{now}; this rule reads the same as when it decided.
        </span>
      ) : (
        <>
          <strong>
            {ruleNow
              ? `This rule has changed since: the policy is now v${now}.`
              : `This rule has been removed since: the policy is now v${now}.`}
          </strong>{' '}
          As it decided, in v{rule.version}:
          <div className="mt-1" data-testid="rule-as-decided">
            <RuleTable document={{ ...then, rules: [ruleThen] }} />
          </div>
        </>
      )}
    </div>
  );
}
