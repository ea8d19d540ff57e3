import { useState } from 'preact/hooks';
import { describeError } from '../lib/errors.js';
import { codePoints } from '../lib/format.js';
import type { HistoryAccess, Visibility } from '../lib/groups.js';
import type { ChatStore } from '../state/chat-store.js';
import { Avatar } from './avatar.js';
import { Dialog } from './dialog.js';
import { CloseIcon } from './icons.js';
import { AccessFields } from './public-groups-settings.js';
import { UserSearch } from './user-search.js';

const NONE: ReadonlySet<string> = new Set();

/** Start a direct message: find a person, pick them, the conversation opens. */
export function NewDmDialog({ store, onClose }: { store: ChatStore; onClose: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <Dialog title="New message" subtitle="Start a direct conversation." onClose={onClose}>
      <UserSearch
        store={store}
        label="To"
        exclude={NONE}
        busy={busy}
        autoFocus
        onPick={(user) => {
          setBusy(true);
          store.startDm(user.username).then(onClose, (err: unknown) => {
            setError(describeError(err));
            setBusy(false);
          });
        }}
      />
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
    </Dialog>
  );
}

/**
 * Create a group: a name, the first members (more can be added later), and who can join it:
 * private, or public (found and joined by name, rule PG1) with what new members read.
 */
export function NewGroupDialog({ store, onClose }: { store: ChatStore; onClose: () => void }) {
  const [name, setName] = useState('');
  const [members, setMembers] = useState<string[]>([]);
  const [access, setAccess] = useState<{ visibility: Visibility; history: HistoryAccess }>({
    visibility: 'private',
    history: 'all',
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const max = store.limits.maxGroupNameChars;

  const create = async (e: Event) => {
    e.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) return setError('Give the group a name.');
    if (codePoints(trimmed) > max) return setError(`Group names are at most ${max} characters.`);
    setBusy(true);
    setError(null);
    try {
      await store.groups.create(trimmed, members, access);
      onClose();
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };

  return (
    <Dialog
      title="New group"
      subtitle="You will be its owner: you can rename it and manage its members."
      onClose={onClose}
      footer={
        <>
          <button type="button" class="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="new-group-form" class="button button-primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create group'}
          </button>
        </>
      }
    >
      <form id="new-group-form" class="form" onSubmit={(e) => void create(e)}>
        <div class="field">
          <label for="group-name">Group name</label>
          <input
            id="group-name"
            autoFocus
            autocomplete="off"
            maxLength={max * 2}
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </div>
      </form>
      <div class="field">
        <span class="field-label" id="group-members-label">
          Members {members.length > 0 && `(${members.length})`}
        </span>
        {members.length > 0 ? (
          <ul class="chips" aria-labelledby="group-members-label">
            {members.map((m) => (
              <li class="chip" key={m}>
                <Avatar name={m} size="sm" />
                {m}
                <button
                  type="button"
                  class="chip-remove"
                  aria-label={`Remove ${m}`}
                  onClick={() => setMembers(members.filter((x) => x !== m))}
                >
                  <CloseIcon size={14} />
                </button>
              </li>
            ))}
          </ul>
        ) : (
          <p class="field-hint">Add people below, or create the group alone and add them later.</p>
        )}
      </div>
      <UserSearch
        store={store}
        label="Add people"
        exclude={new Set(members)}
        onPick={(user) => setMembers([...members, user.username])}
      />
      <div class="field new-group-access">
        <AccessFields
          value={access}
          disabled={busy}
          onChange={(patch) => setAccess({ ...access, ...patch })}
          idPrefix="new-group"
        />
      </div>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
    </Dialog>
  );
}
