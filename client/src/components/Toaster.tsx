import { Bell, CircleAlert, CircleCheck, Info, X } from 'lucide-react';
import { Link } from 'react-router';
import { dismissToast, toastStore, type ToastKind } from '../lib/toasts';
import { useStore } from '../lib/store';

const ICON: Record<ToastKind, typeof Info> = { info: Info, success: CircleCheck, error: CircleAlert, approval: Bell };
const TONE: Record<ToastKind, string> = {
  info: 'text-neutral-600 dark:text-neutral-300',
  success: 'text-allow-ink dark:text-allow',
  error: 'text-block-ink dark:text-red-400',
  approval: 'text-review dark:text-amber-400',
};

/** Toasts stack bottom-right (bottom, full width, on phones). Errors are announced assertively. */
export function Toaster() {
  const toasts = useStore(toastStore);
  return (
    <div className="pointer-events-none fixed inset-x-0 bottom-0 z-50 flex flex-col items-center gap-2 p-4 sm:items-end">
      {toasts.map((t) => {
        const Icon = ICON[t.kind];
        return (
          <div
            key={t.id}
            role={t.kind === 'error' ? 'alert' : 'status'}
            data-kind={t.kind}
            className="pointer-events-auto flex w-full max-w-sm items-start gap-3 rounded-xl border border-neutral-200 bg-white p-3 shadow-lg dark:border-neutral-700 dark:bg-neutral-900"
          >
            <Icon className={`mt-0.5 size-5 shrink-0 ${TONE[t.kind]}`} aria-hidden />
            <div className="min-w-0 flex-1 text-sm">
              <p className="font-semibold break-words">{t.title}</p>
              {t.body && <p className="muted break-words">{t.body}</p>}
              {t.href && (
                <Link to={t.href} className="font-semibold text-allow-ink underline dark:text-allow" onClick={() => dismissToast(t.id)}>
                  Review now
                </Link>
              )}
            </div>
            <button type="button" aria-label="Dismiss notification" className="rounded p-0.5 muted hover:text-neutral-900" onClick={() => dismissToast(t.id)}>
              <X className="size-4" aria-hidden />
            </button>
          </div>
        );
      })}
    </div>
  );
}
