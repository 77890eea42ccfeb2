import { useEffect } from 'react';

/** Names the browser tab (and the history entry) after the page: "Activity · Aegis". */
export function usePageTitle(title: string | null): void {
  useEffect(() => {
    if (title !== null) document.title = `${title} · Aegis`;
  }, [title]);
}
