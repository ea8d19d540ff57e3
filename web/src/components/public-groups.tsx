import { useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from '../lib/errors.js';
import { formatActivity, formatFull } from '../lib/format.js';
import { publicGroups, type PublicGroup } from '../lib/groups.js';
import type { ChatStore } from '../state/chat-store.js';
import { Avatar } from './avatar.js';
import { Dialog } from './dialog.js';

/** Wait after the last keystroke before searching, in ms. */
const DEBOUNCE_MS = 250;

interface Results {
  query: string;
  groups: PublicGroup[];
  next: string | null;
}

/**
 * Browse public groups (rules PG2, PG4): search them by name, see how many members each has
 * and which the user is in already, join one (it opens) or open one joined before.
 */
export function PublicGroupsDialog({ store, onClose }: { store: ChatStore; onClose: () => void }) {
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<Results | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [joining, setJoining] = useState<string | null>(null);
  /** The latest search asked for: older answers arriving late are dropped. */
  const latest = useRef(0);

  const search = async (q: string, after: string | null, previous: PublicGroup[]) => {
    const ticket = ++latest.current;
    setLoading(true);
    setError(null);
    try {
      const page = await publicGroups(store.client.api, { q, after });
      if (ticket !== latest.current) return;
      setResults({ query: q, groups: [...previous, ...page.groups], next: page.next });
    } catch (err) {
      if (ticket === latest.current) setError(describeError(err));
    } finally {
      if (ticket === latest.current) setLoading(false);
    }
  };

  useEffect(() => {
    const q = query.trim();
    const timer = setTimeout(() => void search(q, null, []), q === '' ? 0 : DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [query]);

  const join = async (group: PublicGroup) => {
    setJoining(group.id);
    setError(null);
    try {
      if (group.joined && store.conversation(group.id)) store.select(group.id);
      else await store.groups.join(group.id);
      onClose();
    } catch (err) {
      setError(describeError(err));
      setJoining(null);
    }
  };

  const shown = results?.groups ?? [];
  const count = shown.length;
  return (
    <Dialog
      title="Public groups"
      subtitle="Groups anyone on this server can find and join."
      onClose={onClose}
    >
      <div class="field">
        <label for="public-group-search">Search public groups</label>
        <input
          id="public-group-search"
          type="search"
          autoFocus
          autocomplete="off"
          placeholder="Group name"
          value={query}
          onInput={(e) => setQuery(e.currentTarget.value)}
        />
      </div>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <p class="sr-only" role="status">
        {loading
          ? 'Searching…'
          : results &&
            `${count}${results.next ? ' or more' : ''} ${count === 1 ? 'group' : 'groups'}`}
      </p>
      {results && count === 0 && !loading && (
        <p class="public-groups-empty">
          {results.query
            ? `No public group matches “${results.query}”.`
            : 'No public groups yet. Make one of yours public in its settings.'}
        </p>
      )}
      {count > 0 && (
        <ul class="public-groups" aria-label="Public groups">
          {shown.map((g) => (
            <PublicGroupRow
              key={g.id}
              group={g}
              busy={joining !== null}
              joining={joining === g.id}
              onJoin={() => void join(g)}
            />
          ))}
        </ul>
      )}
      {loading && (
        <p class="history-loading" aria-hidden="true">
          <span class="spinner" /> Searching…
        </p>
      )}
      {results?.next && !loading && (
        <button
          type="button"
          class="button button-small public-groups-more"
          onClick={() => void search(results.query, results.next, shown)}
        >
          Show more
        </button>
      )}
    </Dialog>
  );
}

function PublicGroupRow(props: {
  group: PublicGroup;
  busy: boolean;
  joining: boolean;
  onJoin: () => void;
}) {
  const { group: g } = props;
  const members = `${g.memberCount} ${g.memberCount === 1 ? 'member' : 'members'}`;
  return (
    <li class="public-group" data-group={g.name}>
      <Avatar name={g.name} kind="group" />
      <span class="public-group-main">
        <span class="public-group-name">{g.name}</span>
        <span class="public-group-meta">
          {members}
          {g.lastMessageAt > 0 && (
            <>
              {' · active '}
              <time
                dateTime={new Date(g.lastMessageAt).toISOString()}
                title={formatFull(g.lastMessageAt)}
              >
                {formatActivity(g.lastMessageAt)}
              </time>
            </>
          )}
          {g.joined && <span class="joined-badge">Joined</span>}
        </span>
      </span>
      <button
        type="button"
        class={`button button-small${g.joined ? '' : ' button-primary'}`}
        aria-label={`${g.joined ? 'Open' : 'Join'} ${g.name}`}
        disabled={props.busy}
        onClick={props.onJoin}
      >
        {props.joining ? 'Joining…' : g.joined ? 'Open' : 'Join'}
      </button>
    </li>
  );
}

/** The compass of "Browse public groups". */
export function CompassIcon({ size = 20 }: { size?: number }) {
  return (
    <svg
      class="icon"
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      <circle cx="12" cy="12" r="9" />
      <path d="m15.5 8.5-2 5-5 2 2-5z" />
    </svg>
  );
}
