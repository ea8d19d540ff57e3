import type { User } from '../domain/model.js';
import type { ConversationsStore, MembersStore } from '../ports/store.js';
import type { ServiceDeps } from './deps.js';
import { notFoundFrom, requireMember } from './membership.js';
import { Publications } from './publications.js';

/** What ReadMarkerService uses: the conversation's last seq, memberships and their markers. */
export type ReadMarkerDeps = Pick<ServiceDeps, 'bus'> & {
  store: Pick<ConversationsStore, 'getConversation'> &
    Pick<MembersStore, 'getMember' | 'raiseReadMarker'>;
};

/**
 * Read markers (rule M5): how far a member has read a conversation. A marker only moves
 * forward and never past the conversation's last seq; the user's other sockets hear of it
 * (a `read` event on the user's subject), nobody else does.
 */
export class ReadMarkerService {
  readonly #deps: ReadMarkerDeps;

  constructor(deps: ReadMarkerDeps) {
    this.#deps = deps;
  }

  /** Raises the marker to `seq`, capped at the last seq; answers the marker as it now is. */
  async markRead(me: User, conversationId: string, seq: number): Promise<number> {
    const { store } = this.#deps;
    await requireMember(store, conversationId, me.id);
    const conversation = await store.getConversation(conversationId);
    const capped = Math.min(seq, conversation?.lastSeq ?? 0);
    // A member removed since the check: the update finds no row.
    const marker = await store.raiseReadMarker(conversationId, me.id, capped).catch(notFoundFrom);
    const pubs = new Publications();
    pubs.read(me.id, conversationId, marker);
    pubs.publish(this.#deps.bus);
    return marker;
  }
}
