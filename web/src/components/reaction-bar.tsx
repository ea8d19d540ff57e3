import { useRef, useState } from 'preact/hooks';
import type { ConversationDto, MessageDto } from '../../../src/protocol/schemas.js';
import { describeError } from '../lib/errors.js';
import { myEmoji, whoReacted } from '../lib/reactions.js';
import type { ChatStore } from '../state/chat-store.js';
import { EmojiPicker } from './emoji-picker.js';
import { SmileyPlusIcon } from './icons.js';

interface ReactionProps {
  store: ChatStore;
  conversation: ConversationDto;
  message: MessageDto;
}

/**
 * Adds or removes the user's reaction (rule R4). The node's `reaction.*` event, which reaches
 * every socket of the conversation (ours too), is what updates the message on screen, so the
 * view never disagrees with the order the node applied changes in. A refusal becomes a notice.
 */
function useToggle(props: ReactionProps) {
  const { store, conversation: c, message: m } = props;
  const [busy, setBusy] = useState<ReadonlySet<string>>(new Set());
  const toggle = (emoji: string) => {
    if (busy.has(emoji)) return;
    const group = m.reactions.find((g) => g.emoji === emoji);
    const mine = group?.users.some((u) => u.userId === store.me.id) ?? false;
    setBusy((b) => new Set(b).add(emoji));
    const api = store.client.api;
    (mine ? api.unreact(c.id, m.seq, emoji) : api.react(c.id, m.seq, emoji))
      .catch((err: unknown) => store.notify(describeError(err), 'error'))
      .finally(() =>
        setBusy((b) => {
          const next = new Set(b);
          next.delete(emoji);
          return next;
        }),
      );
  };
  return { toggle, busy };
}

/**
 * The reactions under a message: one chip per emoji with its count, pressed when the user is
 * among those who reacted (a click toggles), who reacted in its tooltip; then a button that
 * opens the emoji picker. Nothing for a message without reactions (its hover actions offer
 * {@link AddReactionButton}).
 */
export function ReactionBar(props: ReactionProps) {
  const { store, message: m } = props;
  const { toggle, busy } = useToggle(props);
  if (m.deletedAt !== null || m.seq === 0 || m.reactions.length === 0) return null;
  const me = store.me.id;
  return (
    <div class="reactions" role="group" aria-label="Reactions">
      {m.reactions.map((g) => {
        const mine = g.users.some((u) => u.userId === me);
        return (
          <button
            key={g.emoji}
            type="button"
            class={mine ? 'reaction is-mine' : 'reaction'}
            data-emoji={g.emoji}
            aria-pressed={mine}
            aria-label={`${g.emoji} ${g.users.length}`}
            title={`${whoReacted(g.users, me)} reacted with ${g.emoji}`}
            // Not `disabled`: a keyboard user's focus stays on the chip while it saves.
            aria-disabled={busy.has(g.emoji) || undefined}
            onClick={() => toggle(g.emoji)}
          >
            <span class="reaction-emoji" aria-hidden="true">
              {g.emoji}
            </span>
            <span class="reaction-count" aria-hidden="true">
              {g.users.length}
            </span>
          </button>
        );
      })}
      <AddReactionButton {...props} variant="bar" toggle={toggle} />
    </div>
  );
}

/**
 * "Add reaction": opens the emoji picker next to itself; picking an emoji the user already
 * reacted with takes that reaction back, as a click on its chip does.
 */
export function AddReactionButton(
  props: ReactionProps & {
    variant?: 'bar' | 'action';
    toggle?: (emoji: string) => void;
  },
) {
  const own = useToggle(props);
  const toggle = props.toggle ?? own.toggle;
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const { store, message: m } = props;
  if (m.deletedAt !== null || m.seq === 0) return null;
  const bar = props.variant === 'bar';
  return (
    <>
      <button
        ref={button}
        type="button"
        class={bar ? 'reaction reaction-add' : 'icon-button icon-button-sm'}
        aria-label="Add reaction"
        aria-haspopup="dialog"
        aria-expanded={open}
        title="Add reaction"
        onClick={() => setOpen((o) => !o)}
      >
        <SmileyPlusIcon size={bar ? 16 : 18} />
      </button>
      {open && (
        <EmojiPicker
          userId={store.me.id}
          label="Add a reaction"
          anchor={button}
          // Away from the bubble: their messages are on the left, the user's on the right.
          align={m.sender === store.me.id ? 'end' : 'start'}
          selected={myEmoji(m, store.me.id)}
          onPick={toggle}
          onClose={() => setOpen(false)}
        />
      )}
    </>
  );
}
