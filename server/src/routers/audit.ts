import { tracked } from '@trpc/server';
import { z } from 'zod';
import {
  agentName,
  auditDetail,
  auditChainHeads,
  auditCount,
  auditCountQuery,
  auditDetailInput,
  auditEntry,
  auditOutcomesReport,
  auditPage,
  auditQuery,
  auditVerifyInput,
  type AuditEntry,
  type AuditResumeGap,
} from '@aegis/shared';
import { router } from '../trpc/init';
import { AUDIT_RESUME_MAX, slowReaderGuard } from '../trpc/limits';
import type { Context } from '../trpc/context';
import { parseOnce } from '../trpc/parseOnce';
import { adminProcedure, viewerProcedure } from '../trpc/procedures';
import { streamWithResume } from '../events/streamWithResume';

const liveEntry = parseOnce(auditEntry);

/** The notice for a resume from further back than AUDIT_RESUME_MAX entries; null when within it. */
async function resumeGap(
  ctx: Context,
  from: number,
  agent: string | undefined,
): Promise<AuditResumeGap | null> {
  const floor = await ctx.services.audit.resumeFloor(AUDIT_RESUME_MAX, agent);
  if (floor === 0 || from >= floor) return null;
  const message =
    `A resumed stream replays at most the newest ${AUDIT_RESUME_MAX} entries: those after ` +
    `${from} up to ${floor} are not sent; read them with audit.list`;
  return { resumeGap: { from, through: floor, replayed: AUDIT_RESUME_MAX, message } };
}

export const auditRouter = router({
  /** Walks the hash chain; names the first broken link (and a noted head it no longer holds). */
  verify: adminProcedure
    .input(auditVerifyInput)
    .output(
      z.object({
        ok: z.boolean(),
        checked: z.number().int(),
        firstBad: z
          .object({
            id: z.number().int(),
            reason: z.string(),
            outcomeRecord: z
              .number()
              .int()
              .optional()
              .describe('The broken link is this record of the outcome chain'),
          })
          .nullable(),
        outcomes: auditOutcomesReport,
        heads: auditChainHeads
          .optional()
          .describe(
            "Both chains' heads, when intact: note them, to check the log or a later export against",
          ),
      }),
    )
    // services: after this server's outcome seals in flight are stored (not only the chains)
    .query(({ ctx, input }) => ctx.services.audit.verify(input)),

  list: viewerProcedure
    .input(auditQuery)
    .output(auditPage)
    .query(({ ctx, input }) => ctx.services.audit.list(input)),

  /**
   * How many entries a filter holds (Activity's "1–50 of 2,318"), counted through an index or by
   * reading at most AUDIT_COUNT_CAP ids: beyond that the answer is "more than", never a walk of
   * the whole log per page view.
   */
  count: viewerProcedure
    .input(auditCountQuery)
    .output(auditCount)
    .query(({ ctx, input }) => ctx.services.audit.count(input)),

  /** One entry with its call's trace, its approval and who decided, and the agent's neighbouring entries. */
  detail: viewerProcedure
    .input(auditDetailInput)
    .output(auditDetail)
    .query(({ ctx, input }) => ctx.services.investigation.detail(input.id)),

  /**
   * New audit entries as they are written, tracked by audit id: a client reconnecting with its
   * last event id first gets every entry it missed (read back from the database), then live ones.
   * With `recentMs`, a new subscriber first gets the entries of that many past milliseconds
   * (at most 300): the dashboard loads its lists and opens this stream at about the same time,
   * and an entry written in between would otherwise be on neither (it drops repeats by id).
   */
  onEntry: viewerProcedure
    .input(
      z
        .object({
          agent: agentName.optional(),
          lastEventId: z.string().nullish(),
          recentMs: z.number().int().min(0).max(60_000).optional(),
        })
        .optional(),
    )
    .subscription(async function* ({ ctx, input, signal }) {
      const agent = input?.agent;
      const resumeId = Number(input?.lastEventId ?? NaN);
      let lastId = Number.isFinite(resumeId)
        ? resumeId
        : input?.recentMs
          ? await ctx.services.audit.recentStart(input.recentMs, agent)
          : null;
      if (Number.isFinite(resumeId)) {
        const gap = await resumeGap(ctx, resumeId, agent);
        if (gap) {
          lastId = gap.resumeGap.through;
          // Its id is where the replay starts: a client reconnecting right after it resumes there.
          yield tracked(String(lastId), gap);
        }
      }
      const stream = streamWithResume<AuditEntry>({
        signal,
        subscribe: (push) =>
          ctx.services.events.onAudit((e) => {
            if (!agent || e.agent === agent) push(e);
          }),
        backlog: (after) => ctx.services.audit.since(after, agent),
        idOf: (e) => e.id,
        startAfter: lastId,
        ...slowReaderGuard(ctx),
      });
      for await (const entry of stream) yield tracked(String(entry.id), liveEntry(entry));
    }),
});
