import { formatFull, formatTime } from '../lib/format.js';
import { systemText, type SystemEvent } from '../state/timeline-entries.js';

/**
 * A change people see in the timeline, in its place among the messages: "bob was added by
 * alice", "carol left", "dave is now an admin", "Group renamed to …", "Group … created".
 */
export function SystemLine(props: {
  event: SystemEvent;
  me: string;
  nameOf: (userId: string) => string | undefined;
}) {
  const { event } = props;
  return (
    <li class="system-line" data-seq={event.seq} data-event={event.type}>
      <span class="system-line-text">{systemText(event, props.me, props.nameOf)}</span>
      <time
        class="system-line-time"
        dateTime={new Date(event.createdAt).toISOString()}
        title={formatFull(event.createdAt)}
      >
        {formatTime(event.createdAt)}
      </time>
    </li>
  );
}
