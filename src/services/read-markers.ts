import type { User } from '../domain/model.js';
import type { ConversationsStore, MembersStore, UsersStore } from '../ports/store.js';
import type { ServiceDeps } from './deps.js';
import { notFoundFrom, requireMember } from './membership.js';
import { Publications } from './publications.js';

/** What ReadMarkerService uses: the conversation's last seq, memberships and their markers. */
export type ReadMarkerDeps = Pick<ServiceDeps, 'bus'> & {
  store: Pick<ConversationsStore, 'getConversation'> &
    Pick<MembersStore, 'getMember' | 'raiseReadMarker'> &
    Pick<UsersStore, 'getUserSettings'>;
};

/**
 * Read markers (rule M5): how far a member has read a conversation. A marker only moves
 * forward and never past the conversation's last seq; the user's other sockets hear of it
 * (a `read` event on the user's subject). When it moved and the user shares read markers
 * (rule R9), the other members' sockets hear of it too (a `receipt` on the conversation's
 * subject, best effort like presence); a user who does not share tells nobody else.
 */
export class ReadMarkerService {
  readonly #deps: ReadMarkerDeps;

  constructor(deps: ReadMarkerDeps) {
    this.#deps = deps;
  }

  /** Raises the marker to `seq`, capped at the last seq; answers the marker as it now is. */
  async markRead(me: User, conversationId: string, seq: number): Promise<number> {
    const { store } = this.#deps;
    const member = await requireMember(store, conversationId, me.id);
    const conversation = await store.getConversation(conversationId);
    const capped = Math.min(seq, conversation?.lastSeq ?? 0);
    // A member removed since the check: the update finds no row.
    const marker = await store.raiseReadMarker(conversationId, me.id, capped).catch(notFoundFrom);
    const pubs = new Publications();
    pubs.read(me.id, conversationId, marker);
    if (marker > member.lastReadSeq && (await this.#shares(me.id)))
      pubs.receipt(me.id, conversationId, marker);
    pubs.publish(this.#deps.bus);
    return marker;
  }

  async #shares(userId: string): Promise<boolean> {
    return (await this.#deps.store.getUserSettings(userId))?.shareReadMarkers ?? false;
  }
}
