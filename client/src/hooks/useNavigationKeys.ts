import { useEffect, useRef } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { rangeSearch } from './useRange';

/** g then a letter: where it goes. */
const GO: Record<string, string> = { o: '/', a: '/agents', l: '/activity', p: '/approvals', n: '/analytics', m: '/graph' };

export function isTyping(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))
  );
}

/**
 * Keyboard navigation for the signed-in shell: `/` focuses the page's search box, `g o` / `g a`
 * / `g l` / `g p` / `g n` / `g m` go to Overview, Agents, Activity (log), Approvals, Analytics,
 * Map. After every navigation focus moves to the new page's heading, so screen readers announce
 * it and Tab starts from the page, not from the top of the document.
 */
export function useNavigationKeys(): void {
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const prefix = useRef(0);

  useEffect(() => {
    // Capture phase: a `g a` must not also reach a page's own `a` (approve) shortcut.
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
      if (Date.now() - prefix.current < 1500 && GO[e.key]) {
        prefix.current = 0;
        e.preventDefault();
        e.stopPropagation();
        // the time range is shared by the pages, so it travels; other filters are the page's own
        void navigate({ pathname: GO[e.key], search: rangeSearch(window.location.search) });
      } else if (e.key === 'g') {
        prefix.current = Date.now();
        e.stopPropagation();
      } else if (e.key === '/') {
        const box = document.querySelector<HTMLInputElement>('main input[type="search"]');
        if (!box) return;
        e.preventDefault();
        box.focus();
      }
    };
    window.addEventListener('keydown', onKey, { capture: true });
    return () => window.removeEventListener('keydown', onKey, { capture: true });
  }, [navigate]);

  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const frame = requestAnimationFrame(() => {
      const target = document.querySelector<HTMLElement>('main h1') ?? document.querySelector<HTMLElement>('main');
      target?.focus({ preventScroll: false });
    });
    return () => cancelAnimationFrame(frame);
  }, [pathname]);
}
