import type { ParleyClient, TimelineItem } from '../client/index.js';
import type { WireTap } from './wire.js';

/** One answer to a send: the WebSocket `ack`, or a REST send's 200/201. */
export interface SendAnswer {
  id: string;
  seq: number;
  via: 'ws' | 'rest';
  at: number;
}

/** A send the workload issued, with every answer it got (all must name one message, G3). */
export interface SendRecord {
  clientMsgId: string;
  userId: string;
  conversationId: string;
  body: string;
  startedAt: number;
  answers: SendAnswer[];
  /** The refusal that ended it without an ack (a stable error code), if any. */
  error: string | null;
}

/** A timeline entry as one client holds it at the end, after applying edits and deletions. */
export interface ViewEntry {
  kind: 'message' | 'event';
  /** Message id, or the event's type. */
  id: string;
  body: string;
  deleted: boolean;
}

/** An entry the client library handed to the application twice, or out of order. */
export interface AppAnomaly {
  kind: 'duplicate' | 'order';
  conversationId: string;
  seq: number;
  previous: number;
}

/** What one client (one socket's worth of a user) saw during the run. */
export interface ClientRecord {
  readonly label: string;
  readonly userId: string;
  readonly client: ParleyClient;
  readonly tap: WireTap;
  /** conversation → seq → entry, in the state the application would show. */
  readonly view: Map<string, Map<number, ViewEntry>>;
  /** conversation → the last seq handed to the application. */
  readonly last: Map<string, number>;
  readonly appAnomalies: AppAnomaly[];
  /** Milliseconds from leaving `online` to being `online` (connected and synced) again. */
  readonly reconnects: number[];
  offlineSince: number | null;
}

/** Starts recording a client: every timeline item it delivers and its connection state. */
export function recordClient(
  label: string,
  userId: string,
  client: ParleyClient,
  tap: WireTap,
): ClientRecord {
  const record: ClientRecord = {
    label,
    userId,
    client,
    tap,
    view: new Map(),
    last: new Map(),
    appAnomalies: [],
    reconnects: [],
    offlineSince: null,
  };
  client.on('timeline', (item) => applyItem(record, item));
  // The library drops a conversation the user left; joining again starts it afresh.
  client.on('conversation.removed', ({ conversationId }) => record.last.delete(conversationId));
  let wasOnline = false;
  client.on('state', (state) => {
    if (state === 'online') {
      if (record.offlineSince !== null) record.reconnects.push(Date.now() - record.offlineSince);
      record.offlineSince = null;
      wasOnline = true;
    } else if (wasOnline && record.offlineSince === null) {
      record.offlineSince = Date.now();
    }
  });
  return record;
}

function applyItem(record: ClientRecord, item: TimelineItem): void {
  const conversationId =
    item.kind === 'message' ? item.message.conversationId : item.event.conversationId;
  const seq = item.kind === 'message' ? item.message.seq : item.event.seq;
  const previous = record.last.get(conversationId);
  if (previous !== undefined && seq <= previous) {
    record.appAnomalies.push({
      kind: seq === previous || record.view.get(conversationId)?.has(seq) ? 'duplicate' : 'order',
      conversationId,
      seq,
      previous,
    });
  }
  record.last.set(conversationId, Math.max(seq, previous ?? 0));
  let view = record.view.get(conversationId);
  if (!view) record.view.set(conversationId, (view = new Map<number, ViewEntry>()));
  if (item.kind === 'message') {
    const m = item.message;
    view.set(seq, { kind: 'message', id: m.id, body: m.body, deleted: m.deletedAt !== null });
    return;
  }
  const event = item.event;
  view.set(seq, { kind: 'event', id: event.type, body: '', deleted: false });
  if (event.type !== 'message.edited' && event.type !== 'message.deleted') return;
  const target = view.get(event.data.seq);
  if (!target || target.kind !== 'message') return;
  if (event.type === 'message.edited') target.body = event.data.body;
  else {
    target.deleted = true;
    target.body = '';
  }
}
