/* global window, document, localStorage */
// Applies the saved (or the system's) colour scheme before first paint, so dark mode never
// flashes white. Kept outside the bundle because it must run before the app loads.
(function () {
  try {
    var saved = localStorage.getItem('aegis-theme');
    var dark = saved ? saved === 'dark' : window.matchMedia('(prefers-color-scheme: dark)').matches;
    if (dark) document.documentElement.classList.add('dark');
  } catch {
    /* storage unavailable: keep the light theme */
  }
})();
