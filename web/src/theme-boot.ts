/**
 * The theme (rule UI16), set before the first paint: index.html loads this file as a classic,
 * blocking script in <head> (vite.config.ts puts it there), so <html data-theme> is `light` or
 * `dark` before the body is parsed, with no flash of the other theme. The choice (`system`,
 * `light` or `dark`) is kept in localStorage under `parley:theme` (UI3); `system` follows the
 * system's setting live. The app changes the choice (src/lib/theme.ts) and fires
 * `parley:theme`; other tabs follow through the `storage` event. It imports nothing, so the
 * build emits it as one file of its own.
 */
(() => {
  const dark = matchMedia('(prefers-color-scheme: dark)');
  const choice = (): string => {
    try {
      const value = localStorage.getItem('parley:theme');
      return value === 'light' || value === 'dark' ? value : 'system';
    } catch {
      return 'system';
    }
  };
  const apply = () => {
    const chosen = choice();
    const root = document.documentElement;
    root.dataset.theme = chosen === 'system' ? (dark.matches ? 'dark' : 'light') : chosen;
    root.dataset.themeChoice = chosen;
  };
  apply();
  dark.addEventListener('change', apply);
  window.addEventListener('parley:theme', apply);
  window.addEventListener('storage', (e) => {
    if (e.key === null || e.key === 'parley:theme') apply();
  });
})();
