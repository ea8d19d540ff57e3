import { z } from 'zod';
import { id, RoleSchema, seq } from './primitives.js';

/**
 * Timeline events on the wire: one `data` shape per event type (docs/protocol.md, "Timeline
 * events"). The same objects travel in `event` frames and `GET …/timeline` pages. Readers stay
 * tolerant: unknown extra fields are dropped by the schemas, never refused.
 */

const memberRef = z.object({ userId: id, username: z.string() });

/** Who may mention `@all` in a group (rule R7). */
export const AllMentionsSchema = z.enum(['members', 'admins']);

/** Public groups are listed and joined by name; private ones by invitation only. */
export const GroupVisibilitySchema = z.enum(['private', 'public']);

/** What a member who joins later reads: the whole history, or from their joining on. */
export const HistoryVisibilitySchema = z.enum(['all', 'joined']);

/** The `data` schema of each timeline event type. */
export const TimelineEventDataSchemas = {
  /** Seq 1 of a group; `members` lists the owner first. */
  'conversation.created': z.object({ name: z.string(), members: z.array(memberRef) }),
  /** No event is written when the name is unchanged. */
  'conversation.renamed': z.object({ name: z.string(), previous: z.string().nullable() }),
  'member.added': memberRef.extend({ role: RoleSchema }),
  'member.removed': memberRef,
  'member.left': memberRef.extend({ reason: z.enum(['left', 'account_deleted']) }),
  /** A transfer of ownership is two of these: the new owner, then the previous one. */
  'member.role_changed': memberRef.extend({ role: RoleSchema, previous: RoleSchema }),
  /**
   * `seq` is the edited message's. Once that message is deleted its edits are erased to
   * `{seq, body: ""}` (rule M6), so `editedAt` is absent from a redacted edit.
   */
  'message.edited': z.object({
    seq,
    body: z.string(),
    editedAt: z.number().optional(),
    /** The new body's mentions (rule R6); absent from a redacted edit. */
    mentions: z.array(id).optional(),
    mentionsAll: z.boolean().optional(),
  }),
  /** `by`: the moderator or server admin who removed another's message; absent for its sender. */
  'message.deleted': z.object({ seq, deletedAt: z.number(), by: memberRef.optional() }),
  /** `seq` is the message's; `emoji` is one RGI emoji (rule R4). */
  'reaction.added': memberRef.extend({ seq, emoji: z.string() }),
  'reaction.removed': memberRef.extend({ seq, emoji: z.string() }),
  'conversation.settings_changed': z.object({
    allMentions: AllMentionsSchema,
    previous: AllMentionsSchema,
  }),
  /** A user joined a public group by themselves. */
  'member.joined': memberRef,
  /** A moderator muted a member until `until` (epoch ms), or unmuted them (`until` null). */
  'member.muted': memberRef.extend({ until: z.number().nullable() }),
  'conversation.access_changed': z.object({
    visibility: GroupVisibilitySchema,
    history: HistoryVisibilitySchema,
    previousVisibility: GroupVisibilitySchema,
    previousHistory: HistoryVisibilitySchema,
  }),
} as const;

type DataSchemas = typeof TimelineEventDataSchemas;

/** Kinds of non-message timeline events; each takes a seq in the conversation's timeline. */
export type TimelineEventType = keyof DataSchemas;

/** Every timeline event type, in the order docs/protocol.md lists them. */
export const TIMELINE_EVENT_TYPES = Object.keys(TimelineEventDataSchemas) as TimelineEventType[];

function eventSchema<T extends TimelineEventType>(type: T) {
  return z.object({
    conversationId: id,
    seq,
    type: z.literal(type),
    actor: id,
    data: TimelineEventDataSchemas[type],
    createdAt: z.number(),
  });
}

/** A non-message event in a conversation's timeline, told apart by `type`. */
export const TimelineEventSchema = z
  .discriminatedUnion('type', [
    eventSchema('conversation.created'),
    eventSchema('conversation.renamed'),
    eventSchema('member.added'),
    eventSchema('member.removed'),
    eventSchema('member.left'),
    eventSchema('member.role_changed'),
    eventSchema('message.edited'),
    eventSchema('message.deleted'),
    eventSchema('reaction.added'),
    eventSchema('reaction.removed'),
    eventSchema('conversation.settings_changed'),
    eventSchema('member.joined'),
    eventSchema('member.muted'),
    eventSchema('conversation.access_changed'),
  ])
  .meta({ id: 'TimelineEvent' });

/** A timeline event as the wire carries it. */
export type TimelineEventDto = z.infer<typeof TimelineEventSchema>;

/** The `data` of a timeline event of type `T`. */
export type TimelineEventData<T extends TimelineEventType = TimelineEventType> = Extract<
  TimelineEventDto,
  { type: T }
>['data'];
