import { useEffect, useRef, type ReactNode } from 'react';

interface Props {
  open: boolean;
  /** Called when the dialog closes by itself (Escape) or is closed by the caller. */
  onClose: () => void;
  /** The id of the dialog's heading (its accessible name). */
  labelledBy: string;
  children: ReactNode;
}

/**
 * A modal on the browser's own `<dialog>`: focus moves into it and stays there, Escape closes it,
 * focus goes back to what opened it, and the page behind is inert. Children are mounted only while
 * it is open, so whatever state they hold (a secret shown once) is gone when it closes.
 */
export function Dialog({ open, onClose, labelledBy, children }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    else if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      aria-labelledby={labelledBy}
      onClose={onClose}
      className="m-auto max-h-[calc(100dvh-2rem)] w-[min(34rem,calc(100vw-2rem))] overflow-y-auto rounded-2xl border border-neutral-200 bg-white p-5 text-neutral-900 shadow-xl backdrop:bg-neutral-950/60 dark:border-neutral-700 dark:bg-neutral-900 dark:text-neutral-100"
    >
      {open && children}
    </dialog>
  );
}
