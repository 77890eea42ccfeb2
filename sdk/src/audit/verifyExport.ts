import { createReadStream } from 'node:fs';
import { AegisError } from '../errors';
import { ExportSyntaxError, readExport } from './exportReader';
import {
  verifyExportOptions,
  type ExportVerifyResult,
  type VerifyExportOptions,
} from './exportSchemas';
import { ReportShapeError, TrailCheck } from './trailCheck';

/** The file is not a compliance export that can be checked (unreadable, not JSON, cut short…). */
export class AegisExportFileError extends AegisError {
  override name = 'AegisExportFileError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('BAD_REQUEST', message, {}, options);
  }
}

/**
 * Verifies a JSON compliance export offline — no server, no key: recomputes every trail entry's
 * hash from its fields, checks each link (an entry's `prevHash` is the hash of the one before),
 * that a whole-log trail has no gaps and is in order, that the chain head the report names is the
 * entry in its trail, and that the trail holds as many entries as the report counts. Reads the
 * file as a stream, so its size does not matter. A failed check is an answer (`ok: false`, the
 * first bad entry and why); a file that cannot be read as an export throws
 * {@link AegisExportFileError}.
 *
 * What one file cannot prove is listed in `notes`: a trail filtered to some agents has gaps where
 * the others' entries were, whose links cannot be checked — so a filtered trail fails unless
 * `agents` names the agents that were asked for (and the filter covers them); the newest entries
 * could be cut off along with the report's head and count — pass `trustedHeadHash` (from the live
 * server or a later report) to rule that out; likewise the newest outcome records, with the
 * outcome chain's head as `trustedOutcomeHeadHash` (both printed by `aegis audit verify`).
 *
 * @example
 * ```ts
 * import { verifyExport } from '@aegis/sdk';
 * const result = await verifyExport({ file: 'aegis-compliance-report-2026-01-31.json' });
 * if (!result.ok) console.error(`entry ${result.firstBad?.id}: ${result.firstBad?.reason}`);
 * ```
 */
export async function verifyExport(options: VerifyExportOptions): Promise<ExportVerifyResult> {
  const parsed = verifyExportOptions.safeParse(options);
  if (!parsed.success)
    throw new AegisExportFileError(
      `verifyExport: ${parsed.error.issues[0]?.message ?? 'bad options'}`,
    );
  const opts = parsed.data;
  const stream = createReadStream(opts.file, { encoding: 'utf8', highWaterMark: 1024 * 1024 });
  const check = new TrailCheck(opts.trustedHeadHash, opts.agents, opts.trustedOutcomeHeadHash);
  try {
    const events = readExport(stream as AsyncIterable<string>, {
      maxEntryChars: opts.maxEntryChars,
      maxMemberChars: opts.maxMemberChars,
    });
    for await (const event of events) {
      if (event.kind === 'member') check.member(event.key, event.value);
      else check.entry(event.index, event.line, event.value);
      // The first failure is the answer: the rest of a multi-gigabyte file need not be read.
      if (check.firstBad) break;
    }
    return check.finish();
  } catch (error) {
    if (error instanceof ExportSyntaxError || error instanceof ReportShapeError)
      throw new AegisExportFileError(
        `${opts.file} is not a readable Aegis export: ${error.message}`,
        { cause: error },
      );
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string')
      throw new AegisExportFileError(`cannot read ${opts.file}: ${(error as Error).message}`, {
        cause: error,
      });
    throw error;
  } finally {
    stream.destroy();
  }
}
