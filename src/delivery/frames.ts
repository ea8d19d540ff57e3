import type { Message, TimelineEntry } from '../domain/model.js';
import type { ServerFrame } from '../protocol/frames.js';

/** Serializes a server frame. */
export function encode(frame: ServerFrame): string {
  return JSON.stringify(frame);
}

/** The frame of a timeline entry: `message` for messages, `event` for other entries. */
export function timelineFrame(entry: TimelineEntry): string {
  return entry.kind === 'message'
    ? encode({ type: 'message', message: entry.message })
    : encode({ type: 'event', event: entry.event });
}

/** How {@link timelineFrame} begins a message's frame; what follows up to the last `}` is the message. */
const MESSAGE_HEAD = '{"type":"message","message":';

/**
 * The ack of a created send that is also the sending socket's delivery of its message
 * (protocol 2, rule W5). Given the fan-out's `message` frame of the same message, the message's
 * JSON is taken from it rather than serialized again: one serialization per fan-out.
 */
export function deliveredAck(message: Message, messageFrame?: string): string {
  const json = messageFrame?.startsWith(MESSAGE_HEAD)
    ? messageFrame.slice(MESSAGE_HEAD.length, -1)
    : JSON.stringify(message);
  return `{"type":"ack","clientMsgId":${JSON.stringify(message.clientMsgId)},"created":true,"delivered":true,"message":${json}}`;
}

/** A plain ack: the message is not delivered by it (protocol 1, a retry, or not in order yet). */
export function plainAck(clientMsgId: string, message: Message, created: boolean): string {
  return encode({ type: 'ack', clientMsgId, message, created });
}
