import { AppError } from '../domain/errors.js';
import type { Message, User } from '../domain/model.js';
import { boundedMessage, boundedMessages } from '../domain/history.js';
import { MAX_SEQ } from '../domain/replies.js';
import type { MembersStore, TimelineStore } from '../ports/store.js';
import { requireMember } from './membership.js';

/** A page of a thread (rule R3): its root, then replies with seq > after in seq order. */
export interface ThreadPage {
  root: Message;
  replies: Message[];
  /** The last reply's seq when the page is full (there may be more), else null. */
  nextAfter: number | null;
}

/** What ThreadService reads. */
export interface ThreadDeps {
  store: Pick<MembersStore, 'getMember'> & Pick<TimelineStore, 'getMessage' | 'listThread'>;
}

/** One message by seq and threads (rules R2, R3): reads for members only (G6). */
export class ThreadService {
  readonly #deps: ThreadDeps;

  constructor(deps: ThreadDeps) {
    this.#deps = deps;
  }

  /** The message at `seq`; `not_found` for non-members and for a seq that is not a message. */
  async message(me: User, conversationId: string, seq: number): Promise<Message> {
    const { historyFrom } = await requireMember(this.#deps.store, conversationId, me.id);
    return this.#message(conversationId, seq, historyFrom);
  }

  /** The thread `seq` belongs to: its root's, when `seq` is a reply. */
  async thread(
    me: User,
    conversationId: string,
    seq: number,
    { after, limit }: { after: number; limit: number },
  ): Promise<ThreadPage> {
    const { historyFrom } = await requireMember(this.#deps.store, conversationId, me.id);
    const message = await this.#message(conversationId, seq, historyFrom);
    // A thread whose root is before the member's history bound is not theirs to read (PG5).
    const root =
      message.threadRoot === null
        ? message
        : await this.#message(conversationId, message.threadRoot, historyFrom);
    // A seq past the column's range is past every reply: an empty page, not a query.
    const replies =
      after >= MAX_SEQ
        ? []
        : boundedMessages(
            await this.#deps.store.listThread(conversationId, root.seq, after, limit),
            historyFrom,
          );
    const last = replies.at(-1);
    return { root, replies, nextAfter: replies.length === limit && last ? last.seq : null };
  }

  async #message(conversationId: string, seq: number, historyFrom: number): Promise<Message> {
    const message = boundedMessage(
      seq > MAX_SEQ ? null : await this.#deps.store.getMessage(conversationId, seq),
      historyFrom,
    );
    if (!message) throw new AppError('not_found', 'message not found');
    return message;
  }
}
