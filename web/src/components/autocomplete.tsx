/** One suggestion of the composer's autocomplete. */
export interface AutocompleteOption {
  /** Unique within the list: the element id is derived from it. */
  key: string;
  /** The emoji, or nothing for a member. */
  glyph?: string | undefined;
  label: string;
}

/** The element id of an option, for the input's `aria-activedescendant`. */
export function optionId(listId: string, index: number): string {
  return `${listId}-${index}`;
}

/**
 * The suggestion list above the composer, a listbox the input controls
 * (`aria-controls`, `aria-activedescendant`): the keyboard stays in the input, the mouse or a
 * tap picks an option without taking the focus away from it.
 */
export function Autocomplete(props: {
  id: string;
  label: string;
  options: readonly AutocompleteOption[];
  active: number;
  onPick: (index: number) => void;
  onHover: (index: number) => void;
}) {
  return (
    <ul id={props.id} class="autocomplete" role="listbox" aria-label={props.label}>
      {props.options.map((option, i) => (
        <li
          key={option.key}
          id={optionId(props.id, i)}
          class="autocomplete-option"
          role="option"
          aria-selected={i === props.active}
          // mousedown, not click: the input keeps the focus (and its caret).
          onMouseDown={(e) => {
            e.preventDefault();
            props.onPick(i);
          }}
          onMouseEnter={() => props.onHover(i)}
        >
          {option.glyph !== undefined && (
            <span class="autocomplete-glyph" aria-hidden="true">
              {option.glyph}
            </span>
          )}
          <span class="autocomplete-label">{option.label}</span>
        </li>
      ))}
    </ul>
  );
}
