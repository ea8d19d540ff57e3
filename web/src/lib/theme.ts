/** The person's theme choice (rule UI16); src/theme-boot.ts applies it. */
export type ThemeChoice = 'system' | 'light' | 'dark';

export const THEME_CHOICES: ReadonlyArray<{ value: ThemeChoice; label: string }> = [
  { value: 'system', label: 'System' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
];

/** The choice in force, as the boot script read it. */
export function themeChoice(): ThemeChoice {
  const value = document.documentElement.dataset.themeChoice;
  return value === 'light' || value === 'dark' ? value : 'system';
}

/** Keeps the choice in this browser (localStorage `parley:theme`) and applies it at once. */
export function setThemeChoice(choice: ThemeChoice): void {
  try {
    if (choice === 'system') localStorage.removeItem('parley:theme');
    else localStorage.setItem('parley:theme', choice);
  } catch {
    // Storage off: the choice holds for this page only.
    const root = document.documentElement;
    const dark = matchMedia('(prefers-color-scheme: dark)').matches;
    root.dataset.themeChoice = choice;
    root.dataset.theme = choice === 'system' ? (dark ? 'dark' : 'light') : choice;
    return;
  }
  window.dispatchEvent(new Event('parley:theme'));
}
