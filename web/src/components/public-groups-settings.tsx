import { useEffect, useState } from 'preact/hooks';
import type { RoleHolder } from '../../../src/domain/roles.js';
import type { ConversationDto } from '../../../src/protocol/schemas.js';
import { formatFull } from '../lib/format.js';
import {
  canModerate,
  MAX_TIMER_MS,
  MUTE_DURATIONS,
  muteMember,
  mutedUntilOf,
  setAccess,
  unmuteMember,
  untilText,
  type GroupAccess,
  type HistoryAccess,
  type ModeratedMember,
  type Visibility,
} from '../lib/groups.js';
import type { ChatStore } from '../state/chat-store.js';
import { Dialog } from './dialog.js';

/** Runs a settings action, showing its error in the dialog; resolves when it is done. */
type Act = (what: () => Promise<unknown>, done?: () => void) => Promise<void>;

const VISIBILITY: Record<Visibility, { label: string; hint: string }> = {
  private: { label: 'Private', hint: 'Only people a member adds can join.' },
  public: { label: 'Public', hint: 'Anyone on this server can find the group by name and join.' },
};
const HISTORY: Record<HistoryAccess, { label: string; hint: string }> = {
  all: { label: 'The whole history', hint: 'New members read every earlier message.' },
  joined: {
    label: 'From when they join',
    hint: 'New members read only what is written after they join.',
  },
};

/**
 * Who can find and join the group, and what new members read (rules PG3, PG5): owners and
 * admins choose, everyone else sees the current choice. A history change applies to those
 * who join afterwards.
 */
export function AccessSettings(props: {
  store: ChatStore;
  conversation: ConversationDto;
  manager: boolean;
  busy: boolean;
  act: Act;
}) {
  const { store, conversation: c } = props;
  // The node's answer (or its access_changed event) updates the conversation; until then the
  // choice made here shows.
  const [chosen, setChosen] = useState({ visibility: c.visibility, history: c.history });
  useEffect(
    () => setChosen({ visibility: c.visibility, history: c.history }),
    [c.visibility, c.history],
  );

  const choose = (patch: GroupAccess) => {
    const before = chosen;
    setChosen({ ...chosen, ...patch });
    void props.act(
      async () => {
        try {
          const { conversation } = await setAccess(store.client.api, c.id, patch);
          // As its access_changed event will: the summary the screens read.
          c.visibility = conversation.visibility;
          c.history = conversation.history;
        } catch (err) {
          setChosen(before);
          throw err;
        }
      },
      () =>
        store.notify(
          patch.visibility
            ? `The group is ${patch.visibility} now.`
            : `New members will read ${HISTORY[patch.history ?? 'all'].label.toLowerCase()}.`,
        ),
    );
  };

  return (
    <section class="settings-section" aria-labelledby="settings-access">
      <h3 id="settings-access">Access</h3>
      {props.manager ? (
        <AccessFields value={chosen} disabled={props.busy} onChange={choose} idPrefix="settings" />
      ) : (
        <>
          <p class="settings-value">{VISIBILITY[chosen.visibility].label}</p>
          <p class="field-hint">
            {VISIBILITY[chosen.visibility].hint} {HISTORY[chosen.history].hint}
          </p>
        </>
      )}
    </section>
  );
}

/**
 * The two access choices (who can join, what new members read) with their hints; `onChange`
 * gets the one that changed.
 */
export function AccessFields(props: {
  value: { visibility: Visibility; history: HistoryAccess };
  disabled?: boolean;
  onChange: (patch: GroupAccess) => void;
  /** Makes the ids and radio names unique on the page. */
  idPrefix: string;
}) {
  const { value, idPrefix: id } = props;
  return (
    <>
      <fieldset class="radio-group" aria-describedby={`${id}-visibility-hint`}>
        <legend>Who can join</legend>
        {(['private', 'public'] as const).map((v) => (
          <label class="radio" key={v}>
            <input
              type="radio"
              name={`${id}-visibility`}
              value={v}
              checked={value.visibility === v}
              disabled={props.disabled}
              onChange={() => props.onChange({ visibility: v })}
            />
            {VISIBILITY[v].label}
          </label>
        ))}
      </fieldset>
      <p class="field-hint" id={`${id}-visibility-hint`}>
        {VISIBILITY[value.visibility].hint}
      </p>
      <fieldset class="radio-group" aria-describedby={`${id}-history-hint`}>
        <legend>What new members read</legend>
        {(['all', 'joined'] as const).map((h) => (
          <label class="radio" key={h}>
            <input
              type="radio"
              name={`${id}-history`}
              value={h}
              checked={value.history === h}
              disabled={props.disabled}
              onChange={() => props.onChange({ history: h })}
            />
            {HISTORY[h].label}
          </label>
        ))}
      </fieldset>
      <p class="field-hint" id={`${id}-history-hint`}>
        {HISTORY[value.history].hint}
      </p>
    </>
  );
}

/**
 * A member's mute in the member list (rule PG10): "Muted until …" for everyone who can see it,
 * and Mute (with a duration) or Unmute for the owner and admins over lower roles.
 */
export function MemberMute(props: {
  store: ChatStore;
  conversation: ConversationDto;
  member: ModeratedMember;
  actor: RoleHolder;
  busy: boolean;
  act: Act;
}) {
  const { store, conversation: c, member: m } = props;
  const [choosing, setChoosing] = useState(false);
  const until = mutedUntilOf(m);
  useExpiry(until);
  const allowed = canModerate({ ...props.actor, serverAdmin: false }, m);
  const api = store.client.api;
  return (
    <>
      {until !== null && (
        <span class="mute-badge">
          Muted until{' '}
          <time dateTime={new Date(until).toISOString()} title={formatFull(until)}>
            {untilText(until)}
          </time>
        </span>
      )}
      {allowed &&
        (until === null ? (
          <button
            type="button"
            class="button button-small button-quiet"
            aria-label={`Mute ${m.username}`}
            disabled={props.busy}
            onClick={() => setChoosing(true)}
          >
            Mute
          </button>
        ) : (
          <button
            type="button"
            class="button button-small button-quiet"
            aria-label={`Unmute ${m.username}`}
            disabled={props.busy}
            onClick={() =>
              void props.act(
                () => unmuteMember(api, c.id, m.username),
                () => store.notify(`${m.username} can write again.`),
              )
            }
          >
            Unmute
          </button>
        ))}
      {choosing && (
        <MuteDialog
          username={m.username}
          busy={props.busy}
          onClose={() => setChoosing(false)}
          onMute={(minutes, label) => {
            setChoosing(false);
            void props.act(
              () => muteMember(api, c.id, m.username, minutes),
              () => store.notify(`${m.username} is muted for ${label}.`),
            );
          }}
        />
      )}
    </>
  );
}

/** Picks how long to mute someone for. */
function MuteDialog(props: {
  username: string;
  busy: boolean;
  onClose: () => void;
  onMute: (minutes: number, label: string) => void;
}) {
  const [minutes, setMinutes] = useState(60);
  const label = MUTE_DURATIONS.find((d) => d.minutes === minutes)?.label ?? `${minutes} minutes`;
  return (
    <Dialog
      title={`Mute ${props.username}?`}
      size="sm"
      onClose={props.onClose}
      footer={
        <>
          <button type="button" class="button" onClick={props.onClose}>
            Cancel
          </button>
          <button
            type="button"
            class="button button-danger"
            disabled={props.busy}
            onClick={() => props.onMute(minutes, label)}
          >
            Mute
          </button>
        </>
      }
    >
      <p>
        {props.username} can still read the group but cannot send messages until the mute ends. You
        can unmute them any time.
      </p>
      <fieldset class="radio-group mute-durations">
        <legend>For how long</legend>
        {MUTE_DURATIONS.map((d) => (
          <label class="radio" key={d.minutes}>
            <input
              type="radio"
              name="mute-duration"
              value={d.minutes}
              checked={minutes === d.minutes}
              onChange={() => setMinutes(d.minutes)}
            />
            {d.label}
          </label>
        ))}
      </fieldset>
    </Dialog>
  );
}

/** Renders again when `until` (epoch ms) passes, so a mute's end shows without an event. */
export function useExpiry(until: number | null): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (until === null) return;
    const timer = setTimeout(
      () => setTick((n) => n + 1),
      Math.min(Math.max(until - Date.now(), 0) + 50, MAX_TIMER_MS),
    );
    return () => clearTimeout(timer);
  }, [until]);
}
