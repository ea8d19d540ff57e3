import { useEffect, useId, useState } from 'preact/hooks';
import type { ListedUser } from '../../../src/client/index.js';
import { describeError } from '../lib/errors.js';
import type { ChatStore } from '../state/chat-store.js';
import { Avatar } from './avatar.js';
import { SearchIcon } from './icons.js';

/** Waits this long after the last keystroke before asking the node. */
const DEBOUNCE_MS = 150;

/**
 * Finds people by username: plain text matches anywhere in the name, `*` is a wildcard
 * (`al*`, `*ce`). Picking one calls `onPick`; `exclude` hides names already chosen.
 */
export function UserSearch(props: {
  store: ChatStore;
  label: string;
  exclude: ReadonlySet<string>;
  onPick: (user: ListedUser) => void;
  busy?: boolean;
  autoFocus?: boolean;
}) {
  const { store } = props;
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<ListedUser[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const inputId = useId();
  const hintId = useId();

  useEffect(() => {
    let current = true;
    const timer = setTimeout(() => {
      store.client.api.users(query.trim(), { limit: 20 }).then(
        ({ users }) => {
          if (!current) return;
          setResults(users);
          setError(null);
        },
        (err: unknown) => current && setError(describeError(err)),
      );
    }, DEBOUNCE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [store, query]);

  const others = (results ?? []).filter((u) => u.username !== store.me.username);
  const shown = others.filter((u) => !props.exclude.has(u.username));

  return (
    <div class="user-search">
      <label for={inputId}>{props.label}</label>
      <div class="search-input">
        <SearchIcon size={16} />
        <input
          id={inputId}
          type="search"
          autocomplete="off"
          autocapitalize="none"
          spellcheck={false}
          placeholder="Search by username"
          aria-describedby={hintId}
          autoFocus={props.autoFocus}
          value={query}
          onInput={(e) => setQuery(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              if (shown[0] && !props.busy) {
                props.onPick(shown[0]);
                setQuery('');
              }
            }
          }}
        />
      </div>
      <p id={hintId} class="field-hint">
        Use <code>*</code> as a wildcard: <code>al*</code> finds names starting with “al”.
      </p>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <ul class="user-results" aria-label="People found" aria-busy={results === null}>
        {results !== null && shown.length === 0 && (
          <li class="user-results-empty">{emptyText(query.trim(), others.length > 0)}</li>
        )}
        {shown.map((u) => (
          <li key={u.id}>
            <button
              type="button"
              class="user-result"
              disabled={props.busy}
              onClick={() => {
                props.onPick(u);
                setQuery('');
              }}
            >
              <Avatar name={u.username} size="sm" online={u.online} />
              <span class="user-result-name">{u.username}</span>
              <span class={u.online ? 'user-result-status is-online' : 'user-result-status'}>
                {u.online ? 'Online' : 'Offline'}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Why the result list is empty. */
function emptyText(query: string, allChosen: boolean): string {
  if (allChosen)
    return query ? `Everyone matching “${query}” is already in.` : 'Everyone is already in.';
  return query ? `Nobody matches “${query}”.` : 'Nobody else has an account yet.';
}
