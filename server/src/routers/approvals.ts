import { tracked } from '@trpc/server';
import { z } from 'zod';
import {
  auditEntry,
  agentName,
  approval,
  approvalStatus,
  approvalSummary,
  listPage,
  changeEvent,
  decideApprovalInput,
  jsonObject,
  sequentialId,
  type ChangeEvent,
  type Principal,
} from '@aegis/shared';
import { router } from '../trpc/init';
import { slowReaderGuard } from '../trpc/limits';
import { parseOnce } from '../trpc/parseOnce';
import {
  adminProcedure,
  authedProcedure,
  reviewerProcedure,
  viewerProcedure,
} from '../trpc/procedures';
import { parseChangeId } from '../events/bus';
import { streamWithResume } from '../events/streamWithResume';

const liveChange = parseOnce(changeEvent);

export const approvalsRouter = router({
  /** Open approvals, newest first, a page at a time: arguments as masked previews (byId has them whole). */
  pending: viewerProcedure
    .input(listPage.optional())
    .output(z.array(approvalSummary))
    .query(({ ctx, input }) => ctx.services.approvals.pending(listPage.parse(input ?? {}))),

  list: viewerProcedure
    .input(
      z.object({
        status: approvalStatus.optional(),
        agent: agentName.optional(),
        cursor: z.number().int().positive().optional(),
        limit: z.number().int().min(1).max(200).default(50),
      }),
    )
    .output(
      z.object({ approvals: z.array(approvalSummary), nextCursor: z.number().int().nullable() }),
    )
    .query(({ ctx, input }) => ctx.services.approvals.list(input)),

  /** The agent's last calls in the same run before it asked (what it did just before). */
  context: viewerProcedure
    .input(z.object({ id: sequentialId }))
    .output(z.object({ runId: z.string().nullable(), calls: z.array(auditEntry) }))
    .query(({ ctx, input }) => ctx.services.investigation.approvalContext(input.id)),

  byId: viewerProcedure
    .input(z.object({ id: sequentialId }))
    .output(approval)
    .query(({ ctx, input }) => ctx.services.approvals.get(input.id)),

  /** The arguments without masking; admins only. */
  reveal: adminProcedure
    .input(z.object({ id: sequentialId }))
    .output(z.object({ args: jsonObject }))
    .mutation(async ({ ctx, input }) => ({
      args: await ctx.services.approvals.reveal(input.id, ctx.principal),
    })),

  /**
   * Approve or deny once; `remember` turns it into a standing ALLOW/BLOCK rule. Admins may approve
   * with `editedArgs`: the agent then runs the edited call, once.
   */
  decide: reviewerProcedure
    .input(decideApprovalInput)
    .output(approval)
    .mutation(({ ctx, input }) =>
      ctx.services.approvals.decide(
        input.id,
        input.decision,
        input.remember,
        ctx.principal,
        input.comment,
        {
          via: 'dashboard',
          editedArgs: input.editedArgs,
        },
      ),
    ),
});

const EVERYONE = Symbol('everyone');
const STAFF = Symbol('staff');
type Audience = string | typeof EVERYONE | typeof STAFF;

/**
 * Who may see each kind of change: the agent it is about (an agent key sees only its own agents'),
 * everyone (changes every SDK must act on), or staff only (counts across the installation). Every
 * event type is listed, so a new one must say who sees it.
 */
const AUDIENCE: { [T in ChangeEvent['type']]: (e: Extract<ChangeEvent, { type: T }>) => Audience } =
  {
    'approval.created': (e) => e.approval.agent,
    'approval.decided': (e) => e.approval.agent,
    'agent.status': (e) => e.agent,
    'agent.registered': (e) => e.agent,
    'policy.changed': (e) => e.agent,
    'policy.global.changed': () => EVERYONE,
    'governance.reset': () => EVERYONE,
    'proposal.created': (e) => e.agent,
    'proposal.decided': (e) => e.agent,
    'governance.changed': () => STAFF,
    'anomaly.detected': (e) => e.anomaly.agent,
  };

/** Whether `principal` may see `e` on the change stream: staff see all, an agent key its own agents'. */
export function changeVisibleTo(principal: Principal, e: ChangeEvent): boolean {
  if (principal.role !== 'agent') return true;
  const audience = (AUDIENCE[e.type] as (e: ChangeEvent) => Audience)(e);
  if (audience === EVERYONE) return true;
  return typeof audience === 'string' && (principal.agents ?? []).includes(audience);
}

/**
 * Approval, agent-status and policy changes, tracked by `<seq>-<origin>` (events/bus.ts). A client
 * that reconnects with its last event id gets what it missed from the server's recent-events
 * buffer — exactly on the same server, since a few seconds before it on another one.
 * Agent keys receive only events about their own agents.
 */
export const changesRouter = router({
  onChange: authedProcedure
    .input(
      z
        .object({
          lastEventId: z.string().nullish(),
          // A new subscriber first gets this server's events of that many past milliseconds (the
          // dashboard: an approval opened while its page loaded would otherwise be missed).
          recentMs: z.number().int().min(0).max(60_000).optional(),
        })
        .optional(),
    )
    .subscription(async function* ({ ctx, input, signal }) {
      const principal = ctx.principal;
      const visible = (e: ChangeEvent) => changeVisibleTo(principal, e);
      const last = parseChangeId(input?.lastEventId);
      type Item = { seq: number; event: ChangeEvent };
      const events = ctx.services.events;
      // Only the client's own number may be another server's; later pages continue from ours.
      let origin = last ? last.origin : undefined;
      const stream = streamWithResume<Item>({
        signal,
        subscribe: (push) => events.onChange((event, seq) => push({ seq, event })),
        backlog: (after) => {
          const page = events.changesSince(after, origin);
          origin = undefined;
          return Promise.resolve(page);
        },
        idOf: (item) => item.seq,
        startAfter: last?.seq ?? (input?.recentMs ? (Date.now() - input.recentMs) * 1000 : null),
        ...slowReaderGuard(ctx),
      });
      for await (const item of stream) {
        if (visible(item.event)) yield tracked(events.changeId(item.seq), liveChange(item.event));
      }
    }),
});
