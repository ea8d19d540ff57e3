import type { SideEvent } from '../protocol/frames.js';
import type {
  ConversationDto,
  MessageDto,
  TimelineEventDto,
  TimelineItemDto,
} from '../protocol/schemas.js';
import type { Emitter } from './emitter.js';
import type { OutboxEntry } from './outbox.js';

/** Connection state, reported as `state` events. */
export type ConnectionState = 'connecting' | 'syncing' | 'online' | 'offline';

/** One entry of a conversation's timeline as the application receives it (as REST pages hold it). */
export type TimelineItem = TimelineItemDto;

/** Everything the client reports; also the items of `ParleyClient.events()`. */
export interface ClientEvents {
  state: ConnectionState;
  /** Every timeline entry, exactly once per conversation and in seq order. */
  timeline: TimelineItem;
  message: MessageDto;
  conversation: ConversationDto;
  'conversation.removed': { conversationId: string; reason: 'deleted' | 'removed' };
  typing: { conversationId: string; userId: string; username: string };
  presence: { userId: string; username: string; online: boolean };
  read: { conversationId: string; seq: number };
  /** Another member read up to `seq` (rule R9; only members who share their read markers). */
  receipt: { conversationId: string; userId: string; seq: number };
  outbox: OutboxEntry;
  /** The session ended (logout elsewhere, account deleted, token invalid): no more reconnects. */
  'session.ended': { code: number; reason: string };
  /** A non-fatal problem worth showing (e.g. a protocol error frame). */
  warning: { code: string; message: string };
}

/** A tagged client event, as produced by async iteration. */
export type ClientEvent = {
  [K in keyof ClientEvents]: { type: K; data: ClientEvents[K] };
}[keyof ClientEvents];

/** Every event name once (a record, so a new event cannot be left out of the iteration). */
const EVENT_NAMES: Record<keyof ClientEvents, true> = {
  state: true,
  timeline: true,
  message: true,
  conversation: true,
  'conversation.removed': true,
  typing: true,
  presence: true,
  read: true,
  receipt: true,
  outbox: true,
  'session.ended': true,
  warning: true,
};

/** The conversation and seq of a timeline item. */
export function positionOf(item: TimelineItem): { conversationId: string; seq: number } {
  const entry = item.kind === 'message' ? item.message : item.event;
  return { conversationId: entry.conversationId, seq: entry.seq };
}

/** Every event of `emitter` as an async iterable, in order (ends when `signal` aborts). */
export async function* iterateEvents(
  emitter: Emitter<ClientEvents>,
  signal?: AbortSignal,
): AsyncGenerator<ClientEvent> {
  const queue: ClientEvent[] = [];
  let wake: (() => void) | null = null;
  const names = Object.keys(EVENT_NAMES) as Array<keyof ClientEvents>;
  const offs = names.map((type) =>
    emitter.on(type, (data) => {
      // `type` and `data` agree by construction; TypeScript cannot correlate them here.
      queue.push({ type, data } as ClientEvent);
      wake?.();
    }),
  );
  const aborted = () => wake?.();
  signal?.addEventListener('abort', aborted);
  try {
    while (!signal?.aborted) {
      const next = queue.shift();
      if (next) {
        yield next;
        continue;
      }
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
  } finally {
    signal?.removeEventListener('abort', aborted);
    for (const off of offs) off();
  }
}

/** Every side event type once (a record, so a new one cannot be taken for a timeline event). */
const SIDE_EVENT_TYPES: Record<SideEvent['type'], true> = {
  'conversation.added': true,
  'conversation.deleted': true,
  'conversation.muted': true,
  'conversation.removed': true,
  read: true,
  receipt: true,
};

/** Timeline events carry a seq in the conversation's order; side events do not take part. */
export function isTimelineEvent(event: TimelineEventDto | SideEvent): event is TimelineEventDto {
  return !Object.hasOwn(SIDE_EVENT_TYPES, event.type);
}

/** Resolves when `client` reports `online`; rejects if its session ends first. */
export function whenOnline(client: {
  readonly state: ConnectionState;
  on: Emitter<ClientEvents>['on'];
}): Promise<void> {
  if (client.state === 'online') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const offState = client.on('state', (s) => {
      if (s !== 'online') return;
      offState();
      offEnded();
      resolve();
    });
    const offEnded = client.on('session.ended', (e) => {
      offState();
      offEnded();
      reject(new Error(`session ended: ${e.reason || e.code}`));
    });
  });
}
