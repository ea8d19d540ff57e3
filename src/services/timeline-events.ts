import { AppError } from '../domain/errors.js';
import type { TimelineEvent, TimelineEventData, TimelineEventType } from '../domain/model.js';
import {
  RecordNotFoundError,
  type ConversationsStore,
  type TimelineStore,
} from '../ports/store.js';
import type { ServiceDeps } from './deps.js';

/** Appends a non-message event at the conversation's next seq, inside an open transaction. */
export async function appendTimelineEvent<T extends TimelineEventType>(
  deps: Pick<ServiceDeps, 'now'>,
  tx: Pick<ConversationsStore, 'nextSeq'> & Pick<TimelineStore, 'insertEvent'>,
  conversationId: string,
  type: T,
  actor: string,
  data: TimelineEventData<T>,
): Promise<TimelineEvent> {
  const createdAt = deps.now();
  const seq = await tx.nextSeq(conversationId, createdAt, false).catch((err: unknown) => {
    // Deleted meanwhile (another node's transaction, on PostgreSQL).
    if (err instanceof RecordNotFoundError)
      throw new AppError('not_found', 'conversation not found', { cause: err });
    throw err;
  });
  // The mapped union cannot be narrowed by a generic `T`; `type` and `data` agree by signature.
  const event = { conversationId, seq, type, actor, data, createdAt } as TimelineEvent;
  await tx.insertEvent(event);
  return event;
}
