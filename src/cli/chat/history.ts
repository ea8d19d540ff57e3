import type { RestApi, TimelineItem } from '../../client/index.js';
import type { TimelineEventDto } from '../../protocol/schemas.js';

/** Messages per page of /open and /more. */
const PAGE = 20;
/** Timeline pages (of 100) read to find a page's system events; past that, messages only. */
const MAX_TIMELINE_PAGES = 5;

/**
 * Events a history page shows as lines. Edits, deletions and reactions are not: the messages
 * read already carry their result.
 */
const SYSTEM_EVENTS: Record<TimelineEventDto['type'], boolean> = {
  'conversation.created': true,
  'conversation.renamed': true,
  'conversation.settings_changed': true,
  'conversation.access_changed': true,
  'member.added': true,
  'member.joined': true,
  'member.muted': true,
  'member.removed': true,
  'member.left': true,
  'member.role_changed': true,
  'message.edited': false,
  'message.deleted': false,
  'reaction.added': false,
  'reaction.removed': false,
};

function seqOf(item: TimelineItem): number {
  return item.kind === 'message' ? item.message.seq : item.event.seq;
}

/**
 * A page of the conversation as /open (the latest) or /more (before `before`) shows it: the
 * last {@link PAGE} messages and the system events among them (and after them, on the latest
 * page), in seq order. `oldest` is the lowest message seq, for the next /more.
 */
export async function historyPage(
  api: RestApi,
  conversationId: string,
  before?: number,
): Promise<{ items: TimelineItem[]; oldest: number | null }> {
  const { messages } = await api.history(conversationId, {
    limit: PAGE,
    ...(before !== undefined ? { before } : {}),
  });
  const oldest = messages[0]?.seq ?? null;
  if (before !== undefined && oldest === null) return { items: [], oldest };
  // A short page reaches the start: the events before its first message belong to it too.
  const low = oldest === null || messages.length < PAGE ? 1 : oldest;
  const high = before !== undefined ? before - 1 : Infinity;
  const entries: TimelineItem[] = [];
  let after: number | null = low - 1;
  for (let page = 0; after !== null && page < MAX_TIMELINE_PAGES; page++) {
    const result = await api.timeline(conversationId, { after, limit: 100 });
    entries.push(...result.entries);
    after = result.nextAfter;
    const last = entries.at(-1);
    if (last && seqOf(last) >= high) break;
  }
  const last = entries.at(-1);
  const complete = after === null || (last !== undefined && seqOf(last) >= high);
  if (!complete)
    return { items: messages.map((message) => ({ kind: 'message', message })), oldest };
  const items = entries.filter((item) => {
    const seq = seqOf(item);
    if (seq < low || seq > high) return false;
    return item.kind === 'message' || SYSTEM_EVENTS[item.event.type];
  });
  return { items, oldest };
}
