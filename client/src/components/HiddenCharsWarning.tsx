import { TriangleAlert } from 'lucide-react';
import { HIDDEN_CHARS_WARNING, previewHasHidden } from '@aegis/shared/visibleText';

/**
 * Said under arguments (or a result) whose text hides characters or changes direction: they show
 * as `\uXXXX` escapes, which a reviewer could otherwise take for noise in an odd-looking value.
 */
export function HiddenCharsWarning({ preview }: { preview: string | null | undefined }) {
  if (!previewHasHidden(preview)) return null;
  return (
    <p
      role="alert"
      data-testid="hidden-chars-warning"
      className="mt-1 flex items-center gap-1 text-xs font-semibold text-review dark:text-amber-300"
    >
      <TriangleAlert className="size-3.5 shrink-0" aria-hidden />
      Warning: {HIDDEN_CHARS_WARNING}.
    </p>
  );
}
