import { useState } from 'preact/hooks';
import { setThemeChoice, THEME_CHOICES, themeChoice, type ThemeChoice } from '../lib/theme.js';

/** The theme: follow the system, or always light, or always dark (rule UI16). */
export function AppearanceSettings() {
  const [chosen, setChosen] = useState<ThemeChoice>(themeChoice);
  const choose = (choice: ThemeChoice) => {
    setThemeChoice(choice);
    setChosen(choice);
  };
  return (
    <section class="settings-section" aria-labelledby="account-appearance">
      <h3 id="account-appearance">Appearance</h3>
      <fieldset
        class="radio-group"
        role="radiogroup"
        aria-label="Appearance"
        aria-describedby="appearance-hint"
      >
        {THEME_CHOICES.map(({ value, label }) => (
          <label class="radio" key={value}>
            <input
              type="radio"
              name="theme"
              value={value}
              checked={chosen === value}
              onChange={() => choose(value)}
            />
            {label}
          </label>
        ))}
      </fieldset>
      <p class="field-hint" id="appearance-hint">
        Kept in this browser. System follows your device’s light or dark setting.
      </p>
    </section>
  );
}
