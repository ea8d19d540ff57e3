import type { ReplyPreviewDto, TimelineEventDto } from '../../../src/protocol/schemas.js';

/** The events people see in the timeline as system lines ("bob was added by alice"). */
export type SystemEvent = Extract<
  TimelineEventDto,
  {
    type:
      | 'conversation.created'
      | 'conversation.renamed'
      | 'conversation.settings_changed'
      | 'conversation.access_changed'
      | 'member.added'
      | 'member.joined'
      | 'member.muted'
      | 'member.removed'
      | 'member.left'
      | 'member.role_changed';
  }
>;

/** Characters of its parent's body a reply preview carries (REPLY_SNIPPET_CHARS, rule R2). */
const REPLY_SNIPPET_CHARS = 200;

export function isSystemEvent(event: TimelineEventDto): event is SystemEvent {
  switch (event.type) {
    case 'conversation.created':
    case 'conversation.renamed':
    case 'conversation.settings_changed':
    case 'member.added':
    case 'member.removed':
    case 'member.left':
    case 'member.role_changed':
    case 'member.joined':
    case 'member.muted':
    case 'conversation.access_changed':
      return true;
    case 'message.edited':
    case 'message.deleted':
    case 'reaction.added':
    case 'reaction.removed':
      return false;
  }
}

/** A reply preview's snippet of a (new) body, as the server cuts it. */
export function snippetOf(body: string): ReplyPreviewDto['snippet'] {
  return Array.from(body).slice(0, REPLY_SNIPPET_CHARS).join('');
}

/**
 * The text of a system line ("bob was added by alice", "carol left", "dave is now an admin"),
 * with the user's own name as "you"; `nameOf` names the actor (omitted when unknown).
 */
export function systemText(
  event: SystemEvent,
  me: string,
  nameOf: (userId: string) => string | undefined,
): string {
  const Who = (ref: { userId: string; username: string }) =>
    ref.userId === me ? 'You' : ref.username;
  const be = (ref: { userId: string }, you: string, other: string) =>
    ref.userId === me ? you : other;
  const subject = 'userId' in event.data ? event.data.userId : null;
  const actor = event.actor === me ? 'you' : nameOf(event.actor);
  const Actor = actor === 'you' ? 'You' : actor;
  const by = event.actor === subject || !actor ? '' : ` by ${actor}`;
  switch (event.type) {
    case 'conversation.created':
      return `Group “${event.data.name}” created${by}`;
    case 'conversation.renamed':
      return `Group renamed to “${event.data.name}”${by}`;
    case 'conversation.settings_changed': {
      const who = event.data.allMentions === 'admins' ? 'only owners and admins' : 'everyone';
      return Actor ? `${Actor} allowed ${who} to mention @all` : `Now ${who} may mention @all`;
    }
    case 'conversation.access_changed': {
      const parts: string[] = [];
      if (event.data.visibility !== event.data.previousVisibility)
        parts.push(
          event.data.visibility === 'public' ? 'made the group public' : 'made the group private',
        );
      if (event.data.history !== event.data.previousHistory)
        parts.push(
          event.data.history === 'all'
            ? 'let new members read the whole history'
            : 'let new members read only from their joining on',
        );
      return `${Actor ?? 'Someone'} ${parts.join(' and ') || 'changed the group’s access settings'}`;
    }
    case 'member.joined':
      return `${Who(event.data)} joined`;
    case 'member.muted': {
      const until = event.data.until;
      if (until === null) return `${Who(event.data)} may write again${by}`;
      const when = new Date(until).toLocaleString(undefined, {
        dateStyle: 'medium',
        timeStyle: 'short',
      });
      return `${Who(event.data)} ${be(event.data, 'were', 'was')} muted until ${when}${by}`;
    }
    case 'member.added':
      return `${Who(event.data)} ${be(event.data, 'were', 'was')} added${by}`;
    case 'member.removed':
      return `${Who(event.data)} ${be(event.data, 'were', 'was')} removed${by}`;
    case 'member.left':
      return event.data.reason === 'account_deleted'
        ? `${event.data.username}’s account was deleted`
        : `${Who(event.data)} left`;
    case 'member.role_changed': {
      const role =
        event.data.role === 'member'
          ? 'a member'
          : event.data.role === 'admin'
            ? 'an admin'
            : 'the owner';
      if (!by) return `${Who(event.data)} ${be(event.data, 'are', 'is')} now ${role}`;
      const whom = event.data.userId === me ? 'you' : event.data.username;
      return `${Actor} made ${whom} ${role}`;
    }
  }
}

/** Who the events and messages of a history name: user id → username. */
export function namesIn(
  entries: readonly (
    | { kind: 'message'; message: { sender: string; senderName: string } }
    | { kind: 'event'; event: SystemEvent }
  )[],
): Map<string, string> {
  const names = new Map<string, string>();
  for (const e of entries) {
    if (e.kind === 'message') names.set(e.message.sender, e.message.senderName);
    else if (e.event.type === 'conversation.created')
      for (const m of e.event.data.members) names.set(m.userId, m.username);
    else if ('userId' in e.event.data) names.set(e.event.data.userId, e.event.data.username);
  }
  return names;
}
