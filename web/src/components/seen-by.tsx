import { useEffect, useId, useState } from 'preact/hooks';
import type { ConversationDto } from '../../../src/protocol/schemas.js';
import type { Reader } from '../lib/receipts.js';
import type { ChatStore } from '../state/chat-store.js';

export { seenTarget, type Reader } from '../lib/receipts.js';

/** Names the "Seen by" list shows before "and N more". */
const LISTED = 20;

/**
 * The other members' read markers in a conversation, loaded with its member list (on first
 * use) and kept current by the store (`receipt` events move them). `undefined` while loading.
 */
export function useReaders(store: ChatStore, c: ConversationDto): readonly Reader[] | undefined {
  const members = store.members(c.id);
  const loaded = members !== undefined;
  useEffect(() => {
    if (!loaded) store.loadMembers(c.id).catch(() => undefined);
  }, [store, c.id, loaded]);
  return members?.filter((m) => m.userId !== store.me.id);
}

/**
 * The read receipt under a message of the user's (a row of the message list): "Seen" in a
 * DM; "Seen by N" in a group, with the names in a tooltip on hover or focus, pinned open by a
 * click (touch screens) and closed again by Escape or a second click.
 */
export function SeenBy(props: { kind: ConversationDto['kind']; names: readonly string[] }) {
  const [open, setOpen] = useState(false);
  const tipId = useId();
  const { names } = props;
  if (props.kind === 'dm')
    return (
      <li class="seen-by">
        <span class="seen-by-label">Seen</span>
      </li>
    );
  const more = names.length - LISTED;
  return (
    <li class={open ? 'seen-by is-open' : 'seen-by'}>
      <button
        type="button"
        class="seen-by-label seen-by-button"
        aria-expanded={open}
        aria-describedby={tipId}
        onClick={() => setOpen((o) => !o)}
        onKeyDown={(e) => {
          if (e.key === 'Escape' && open) {
            e.stopPropagation();
            setOpen(false);
          }
        }}
        onBlur={() => setOpen(false)}
      >
        Seen by {names.length}
      </button>
      <div role="tooltip" id={tipId} class="seen-by-names">
        <span class="seen-by-title">Seen by </span>
        <ul class="seen-by-list">
          {names.slice(0, LISTED).map((name) => (
            <li key={name}>{name}</li>
          ))}
          {more > 0 && <li class="seen-by-more">and {more} more</li>}
        </ul>
      </div>
    </li>
  );
}
