import type { TimelineEntry } from '../domain/model.js';
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
