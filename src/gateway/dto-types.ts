import type {
  ConversationSummary,
  Member,
  Message,
  TimelineEntry,
  TimelineEvent,
  TimelineEventDataMap,
  User,
} from '../domain/model.js';
import type {
  ConversationDto,
  MemberDto,
  MessageDto,
  TimelineEventData,
  TimelineEventDto,
  TimelineItemDto,
  UserDto,
} from '../protocol/schemas.js';

/**
 * Compile-time ties between the domain records and the wire DTOs the gateways send them as:
 * the domain may not import the protocol nor the protocol the domain, so they are declared
 * twice and `tsc` fails here when the two drift apart. Types only; nothing imports this file.
 */

/** `T` with intersections flattened, recursively, so equal shapes compare equal. */
type Flat<T> = T extends object ? { [K in keyof T]: Flat<T[K]> } : T;

/** True only if A and B are the same type (optional and readonly modifiers included). */
type Same<A, B> =
  (<T>() => T extends Flat<A> ? 1 : 2) extends <T>() => T extends Flat<B> ? 1 : 2 ? true : false;

type Holds<T extends true> = T;

/** Each domain record and its DTO: the same shape. */
export type DtoMatchesDomain = [
  Holds<Same<UserDto, User>>,
  Holds<Same<MessageDto, Message>>,
  // `online` is added by the members route from presence, not stored.
  Holds<Same<Omit<MemberDto, 'online'>, Member>>,
  Holds<Same<ConversationDto, ConversationSummary>>,
  Holds<Same<TimelineEventDto, TimelineEvent>>,
  Holds<Same<TimelineItemDto, TimelineEntry>>,
  Holds<Same<TimelineEventData, TimelineEventDataMap[keyof TimelineEventDataMap]>>,
];
