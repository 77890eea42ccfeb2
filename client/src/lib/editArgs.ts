import { jsonDepth, toolArgs } from '@aegis/shared';
import { argsDiff, argsPointer, type ArgsChange } from '@aegis/shared/argsDiff';

/**
 * The deepest edited arguments the server takes: it refuses input nested deeper than 64 levels
 * (server/src/trpc/init.ts), and `editedArgs` sit one level down in `approvals.decide`'s input.
 */
export const EDITED_ARGS_MAX_DEPTH = 63;

export type EditCheck =
  | { ok: false; error: string; unchanged?: true }
  | {
      ok: true;
      args: Record<string, unknown>;
      changes: ArgsChange[];
      /** Changes whose new value (or key) reads like DLP's masked output rather than data. */
      maskLike: ArgsChange[];
    };

/**
 * What the reviewer typed, checked as the server will check it, before anything is sent: JSON,
 * an object, not too deep, keys that can be stored, and a change to approve. `original` is the
 * call's real (revealed) arguments; the changes are found against them.
 */
export function checkEditedArgs(text: string, original: Record<string, unknown>): EditCheck {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `Not valid JSON: ${(error as Error).message}` };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return {
      ok: false,
      error: `The arguments must be a JSON object ({ … }), not ${kindOf(parsed)}.`,
    };
  }
  const depth = jsonDepth(parsed, EDITED_ARGS_MAX_DEPTH);
  if (depth > EDITED_ARGS_MAX_DEPTH) {
    return {
      ok: false,
      error: `Nested too deep: the server takes arguments at most ${EDITED_ARGS_MAX_DEPTH} levels deep.`,
    };
  }
  // The schema the server checks `editedArgs` with: keys a document can store.
  const valid = toolArgs.safeParse(parsed);
  if (!valid.success) {
    const issue = valid.error.issues[0];
    const at = issue && issue.path.length > 0 ? ` at ${argsPointer(issue.path.map(segment))}` : '';
    return { ok: false, error: `Can't be stored${at}: ${issue?.message ?? 'invalid arguments'}.` };
  }
  const args = parsed as Record<string, unknown>;
  const changes = argsDiff(original, args);
  if (changes.length === 0) {
    return {
      ok: false,
      unchanged: true,
      error:
        'Nothing changed: these are the arguments the agent asked for. Use Approve to approve the call as it is.',
    };
  }
  return { ok: true, args, changes, maskLike: changes.filter(isMaskLike) };
}

function segment(key: PropertyKey): string | number {
  return typeof key === 'number' ? key : String(key);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? 'a string' : `a ${typeof value}`;
}

/**
 * Text as DLP masks it (shared/src/dlp/masks.ts): `[REDACTED:kind]`; digits but the last four
 * starred (`************1111`, `***-**-6789`, `(***) ***-0123`, `DE**…3000`); an e-mail's
 * `j***@example.com`; a date of birth all stars (`****-**-**`). Emphasis such as `***bold***` is
 * not mistaken for it: a run of stars must lead to four last digits or an `@`, or be all there is.
 */
const MASK_LIKE = /\[REDACTED:[^\]]*\]|\*{3,}[\s\-().*/]*(?:(?:\d[\s\-.]?){3}\d(?!\d)|@)/;
const ALL_STARS = /^[\s\-().,/*]*$/;

export function looksMasked(text: string): boolean {
  if (MASK_LIKE.test(text)) return true;
  return ALL_STARS.test(text) && (text.match(/\*/g)?.length ?? 0) >= 3;
}

/** A change that would send masked-looking text: in its new value, or in a key it adds. */
function isMaskLike(change: ArgsChange): boolean {
  if (change.change === 'removed') return false;
  const key = change.path.at(-1);
  if (change.change === 'added' && typeof key === 'string' && looksMasked(key)) return true;
  const stack: unknown[] = [change.after];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (looksMasked(v)) return true;
    } else if (v !== null && typeof v === 'object') {
      for (const [key, child] of Object.entries(v as Record<string, unknown>)) {
        if (!Array.isArray(v) && looksMasked(key)) return true;
        stack.push(child);
      }
    }
  }
  return false;
}
