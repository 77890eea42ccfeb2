import { createStore } from './store';

export type Theme = 'light' | 'dark';

function initialTheme(): Theme {
  return document.documentElement.classList.contains('dark') ? 'dark' : 'light';
}

export const themeStore = createStore<Theme>(initialTheme());

/** Switches theme and remembers the choice; until then the system preference decides. */
export function setTheme(theme: Theme): void {
  document.documentElement.classList.toggle('dark', theme === 'dark');
  try {
    localStorage.setItem('aegis-theme', theme);
  } catch {
    /* private mode: the choice lasts for this page only */
  }
  themeStore.set(theme);
}

/** Follows the system setting live, unless the user picked a theme. */
export function followSystemTheme(): () => void {
  const media = window.matchMedia('(prefers-color-scheme: dark)');
  const onChange = () => {
    let saved: string | null = null;
    try {
      saved = localStorage.getItem('aegis-theme');
    } catch {
      /* ignore */
    }
    if (saved) return;
    document.documentElement.classList.toggle('dark', media.matches);
    themeStore.set(media.matches ? 'dark' : 'light');
  };
  media.addEventListener('change', onChange);
  return () => media.removeEventListener('change', onChange);
}
