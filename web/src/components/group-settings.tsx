import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import {
  can,
  canChangeRole,
  canManage,
  canRemove,
  type RoleHolder,
} from '../../../src/domain/roles.js';
import type {
  AllMentionsPolicyDto,
  ConversationDto,
  MemberDto,
} from '../../../src/protocol/schemas.js';
import { describeError } from '../lib/errors.js';
import { codePoints } from '../lib/format.js';
import type { ChatStore } from '../state/chat-store.js';
import { Avatar } from './avatar.js';
import { ConfirmDialog, Dialog } from './dialog.js';
import { AccessSettings, MemberMute } from './public-groups-settings.js';
import { UserSearch } from './user-search.js';

type Role = MemberDto['role'];
type Pending =
  | { kind: 'leave' }
  | { kind: 'delete' }
  | { kind: 'remove'; username: string }
  | { kind: 'transfer'; username: string };

const ROLE_LABEL: Record<Role, string> = { owner: 'Owner', admin: 'Admin', member: 'Member' };
const ROLE_ORDER: Record<Role, number> = { owner: 0, admin: 1, member: 2 };

/**
 * Group settings: rename, members with roles (add, remove, mute), access, leave, delete.
 * Controls follow the rules of `domain/roles.ts` (C4-C9), which the node enforces again: owners
 * and admins manage, only the owner changes roles or deletes; a plain member sees it read-only.
 */
export function GroupSettings(props: {
  store: ChatStore;
  conversation: ConversationDto;
  onClose: () => void;
}) {
  const { store, conversation: c, onClose } = props;
  const members = store.members(c.id);
  const myRole = c.role;
  const actor: RoleHolder = { userId: store.me.id, role: myRole };
  const manager = canManage(myRole);
  const [name, setName] = useState(c.name ?? '');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [pending, setPending] = useState<Pending | null>(null);

  useEffect(() => {
    store.loadMembers(c.id).catch((err: unknown) => setError(describeError(err)));
  }, [store, c.id]);

  /** Runs an action, showing its error here; refreshes the members after it. */
  const act = async (what: () => Promise<unknown>, done?: () => void) => {
    setBusy(true);
    setError(null);
    try {
      await what();
      done?.();
      if (store.conversation(c.id)) await store.loadMembers(c.id);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  const rename = (e: Event) => {
    e.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) return setError('A group needs a name.');
    if (codePoints(trimmed) > store.limits.maxGroupNameChars)
      return setError(`Group names are at most ${store.limits.maxGroupNameChars} characters.`);
    void act(
      () => store.client.api.renameGroup(c.id, trimmed),
      () => store.notify('Group renamed.'),
    );
  };

  const sorted = [...(members ?? [])].sort(
    (a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || a.username.localeCompare(b.username),
  );
  const present = new Set(sorted.map((m) => m.username));

  return (
    <Dialog
      title="Group settings"
      subtitle={`${c.memberCount} ${c.memberCount === 1 ? 'member' : 'members'} · you are ${ROLE_LABEL[myRole].toLowerCase()}`}
      onClose={onClose}
    >
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <section class="settings-section" aria-labelledby="settings-name">
        <h3 id="settings-name">Name</h3>
        {manager ? (
          <form class="inline-form" onSubmit={rename}>
            <label class="sr-only" for="group-rename">
              Group name
            </label>
            <input
              id="group-rename"
              value={name}
              autocomplete="off"
              onInput={(e) => setName(e.currentTarget.value)}
            />
            <button type="submit" class="button" disabled={busy || name.trim() === (c.name ?? '')}>
              Rename
            </button>
          </form>
        ) : (
          <p class="settings-value">{c.name}</p>
        )}
      </section>

      <section class="settings-section" aria-labelledby="settings-members">
        <h3 id="settings-members">Members</h3>
        {!manager && (
          <p class="field-hint" id="member-note">
            Only the owner and admins can rename this group or change its members.
          </p>
        )}
        {members === undefined ? (
          <p class="history-loading">
            <span class="spinner" aria-hidden="true" /> Loading members…
          </p>
        ) : (
          <ul class="member-list" aria-label="Members">
            {sorted.map((m) => (
              <MemberRow
                key={m.userId}
                member={m}
                me={m.userId === store.me.id}
                actor={actor}
                online={store.online(m.username) ?? m.online ?? false}
                busy={busy}
                mute={
                  <MemberMute
                    store={store}
                    conversation={c}
                    member={m}
                    actor={actor}
                    busy={busy}
                    act={act}
                  />
                }
                onRole={(role) =>
                  role === 'owner'
                    ? setPending({ kind: 'transfer', username: m.username })
                    : void act(() => store.client.api.setRole(c.id, m.username, role))
                }
                onRemove={() => setPending({ kind: 'remove', username: m.username })}
              />
            ))}
          </ul>
        )}
      </section>

      {manager && (
        <section class="settings-section" aria-labelledby="settings-add">
          <h3 id="settings-add">Add people</h3>
          <UserSearch
            store={store}
            label="Find people to add"
            exclude={present}
            busy={busy}
            onPick={(user) =>
              void act(
                () => store.client.api.addMember(c.id, user.username),
                () => store.notify(`${user.username} was added.`),
              )
            }
          />
        </section>
      )}

      <AccessSettings conversation={c} manager={manager} busy={busy} act={act} store={store} />

      <MentionSettings conversation={c} manager={manager} busy={busy} act={act} store={store} />

      <section class="settings-section settings-danger" aria-labelledby="settings-leave">
        <h3 id="settings-leave">Leave or delete</h3>
        <div class="danger-actions">
          <button type="button" class="button" onClick={() => setPending({ kind: 'leave' })}>
            Leave group
          </button>
          {can(myRole, 'delete') && (
            <button
              type="button"
              class="button button-danger"
              onClick={() => setPending({ kind: 'delete' })}
            >
              Delete group
            </button>
          )}
        </div>
      </section>

      {pending && (
        <PendingConfirm
          pending={pending}
          conversation={c}
          busy={busy}
          onCancel={() => setPending(null)}
          onConfirm={() => {
            const p = pending;
            setPending(null);
            switch (p.kind) {
              case 'leave':
                return void act(() => store.groups.leave(c.id), onClose);
              case 'delete':
                return void act(() => store.groups.delete(c.id), onClose);
              case 'remove':
                return void act(() => store.client.api.removeMember(c.id, p.username));
              case 'transfer':
                return void act(() => store.client.api.setRole(c.id, p.username, 'owner'));
            }
          }}
        />
      )}
    </Dialog>
  );
}

const ALL_MENTIONS_LABEL: Record<AllMentionsPolicyDto, string> = {
  members: 'Everyone',
  admins: 'Owners and admins',
};
const ALL_MENTIONS_RULE: Record<AllMentionsPolicyDto, string> = {
  members: 'Everyone can mention @all.',
  admins: 'Only owners and admins can mention @all.',
};

/**
 * Who may notify the whole group with @all (rule R7): owners and admins choose, everyone else
 * sees the current choice.
 */
function MentionSettings(props: {
  store: ChatStore;
  conversation: ConversationDto;
  manager: boolean;
  busy: boolean;
  act: (what: () => Promise<unknown>, done?: () => void) => Promise<void>;
}) {
  const { store, conversation: c } = props;
  // The node's answer (or its settings_changed event) updates the conversation; until then
  // the choice made here shows.
  const [chosen, setChosen] = useState(c.allMentions);
  useEffect(() => setChosen(c.allMentions), [c.allMentions]);

  const choose = (policy: AllMentionsPolicyDto) => {
    const before = chosen;
    setChosen(policy);
    void props.act(
      async () => {
        try {
          await store.client.api.setGroupSettings(c.id, { allMentions: policy });
        } catch (err) {
          setChosen(before);
          throw err;
        }
      },
      () => store.notify(ALL_MENTIONS_RULE[policy]),
    );
  };

  return (
    <section class="settings-section" aria-labelledby="settings-mentions">
      <h3 id="settings-mentions">Mentions</h3>
      {props.manager ? (
        <fieldset class="radio-group" aria-describedby="all-mentions-hint">
          <legend>Who can mention @all</legend>
          {(['members', 'admins'] as const).map((policy) => (
            <label class="radio" key={policy}>
              <input
                type="radio"
                name="all-mentions"
                value={policy}
                checked={chosen === policy}
                disabled={props.busy}
                onChange={() => choose(policy)}
              />
              {ALL_MENTIONS_LABEL[policy]}
            </label>
          ))}
        </fieldset>
      ) : (
        <p class="settings-value">{ALL_MENTIONS_RULE[chosen]}</p>
      )}
      <p class="field-hint" id="all-mentions-hint">
        A message with @all notifies every member of the group.
      </p>
    </section>
  );
}

function MemberRow(props: {
  member: MemberDto;
  me: boolean;
  actor: RoleHolder;
  online: boolean;
  busy: boolean;
  /** The member's mute and its controls (MemberMute). */
  mute: ComponentChildren;
  onRole: (role: Role) => void;
  onRemove: () => void;
}) {
  const { member: m, actor } = props;
  const roleEditable = canChangeRole(actor, m);
  const removable = canRemove(actor, m);
  return (
    <li class="member-row" data-member={m.username}>
      <Avatar name={m.username} userId={m.userId} size="sm" online={props.online} />
      <span class="member-name">
        {m.username}
        {props.me && <span class="member-you"> (you)</span>}
        <span class="sr-only">{props.online ? ', online' : ', offline'}</span>
      </span>
      {roleEditable ? (
        <select
          class="role-select"
          aria-label={`Role of ${m.username}`}
          value={m.role}
          disabled={props.busy}
          onChange={(e) => props.onRole(e.currentTarget.value as Role)}
        >
          <option value="member">Member</option>
          <option value="admin">Admin</option>
          <option value="owner">Owner</option>
        </select>
      ) : (
        <span class={`role-badge role-${m.role}`}>{ROLE_LABEL[m.role]}</span>
      )}
      {props.mute}
      {removable && (
        <button
          type="button"
          class="button button-small button-quiet"
          aria-label={`Remove ${m.username}`}
          disabled={props.busy}
          onClick={props.onRemove}
        >
          Remove
        </button>
      )}
    </li>
  );
}

function PendingConfirm(props: {
  pending: Pending;
  conversation: ConversationDto;
  busy: boolean;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  const { pending: p, conversation: c } = props;
  const text = {
    leave: {
      title: 'Leave group?',
      message:
        c.role === 'owner'
          ? `You own “${c.name}”. If you leave, ownership passes to an admin (or the longest-standing member).`
          : `You will stop receiving messages from “${c.name}”. A member can add you back.`,
      label: 'Leave',
    },
    delete: {
      title: 'Delete group?',
      message: `“${c.name}” and its whole history will be deleted for everyone. This can't be undone.`,
      label: 'Delete group',
    },
    remove: {
      title: 'Remove member?',
      message: `${'username' in p ? p.username : ''} will be removed from “${c.name}”.`,
      label: 'Remove',
    },
    transfer: {
      title: 'Transfer ownership?',
      message: `${'username' in p ? p.username : ''} becomes the owner of “${c.name}”; you become an admin.`,
      label: 'Make owner',
    },
  }[p.kind];
  return (
    <ConfirmDialog
      title={text.title}
      message={text.message}
      confirmLabel={text.label}
      busy={props.busy}
      onConfirm={props.onConfirm}
      onClose={props.onCancel}
    />
  );
}
