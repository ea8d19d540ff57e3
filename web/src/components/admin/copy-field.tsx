import { useId, useState } from 'preact/hooks';
import { copyText } from '../../lib/admin-api.js';

/**
 * A one-time secret link shown in a read-only field with a Copy button; the field selects
 * itself on focus so the link can be copied by hand where the clipboard is refused.
 */
export function CopyField(props: { label: string; value: string; hint?: string }) {
  const id = useId();
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  return (
    <div class="field copy-field">
      <label for={id}>{props.label}</label>
      <div class="copy-row">
        <input
          id={id}
          readOnly
          value={props.value}
          spellcheck={false}
          onFocus={(e) => e.currentTarget.select()}
          aria-describedby={props.hint ? `${id}-hint` : undefined}
        />
        <button
          type="button"
          class="button"
          onClick={() => void copyText(props.value).then((ok) => setCopied(ok ? 'yes' : 'no'))}
        >
          Copy
        </button>
      </div>
      <p class="field-hint" id={`${id}-hint`} aria-live="polite">
        {copied === 'yes'
          ? 'Copied to the clipboard.'
          : copied === 'no'
            ? 'The browser refused the clipboard: select the link and copy it.'
            : props.hint}
      </p>
    </div>
  );
}
