import type { CLOSE_CODES, ERROR_CODES } from '../domain/errors.js';
import type {
  ConversationSummary,
  Member,
  Message,
  Profile,
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
import type { CloseCode, ErrorCode } from '../protocol/codes.js';
import type { ProfileDto } from '../protocol/profile-schemas.js';

/**
 * Compile-time ties between the domain and the wire: records and the DTOs the gateways send
 * them as, and the error and close codes. The domain may not import the protocol nor the
 * protocol the domain, so each is declared on both sides and `tsc` fails here when the two
 * drift apart. Types only; nothing imports this file.
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
  Holds<Same<ProfileDto, Profile>>,
  Holds<Same<MessageDto, Message>>,
  // `online` is added by the members route from presence, not stored.
  Holds<Same<Omit<MemberDto, 'online'>, Member>>,
  Holds<Same<ConversationDto, ConversationSummary>>,
  Holds<Same<TimelineEventDto, TimelineEvent>>,
  Holds<Same<TimelineItemDto, TimelineEntry>>,
  Holds<Same<TimelineEventData, TimelineEventDataMap[keyof TimelineEventDataMap]>>,
];

/** The protocol's name of each close code in the domain's table. */
interface CloseCodeNames {
  normal: 'Normal';
  goingAway: 'GoingAway';
  policy: 'PolicyViolation';
  tooBig: 'TooBig';
  unauthorized: 'Unauthorized';
  unsupportedProtocol: 'UnsupportedProtocol';
  sessionRevoked: 'SessionRevoked';
  helloTimeout: 'HelloTimeout';
  rateLimited: 'RateLimited';
  slowConsumer: 'SlowConsumer';
}

type DomainErrors = typeof ERROR_CODES;

/** The domain's error table and close codes: the protocol's codes, value for value. */
export type CodesMatchProtocol = [
  Holds<Same<keyof DomainErrors, ErrorCode>>,
  Holds<DomainErrors[keyof DomainErrors]['ws'] extends CloseCode ? true : false>,
  Holds<
    Same<
      { [K in keyof typeof CLOSE_CODES]: (typeof CloseCode)[CloseCodeNames[K]] },
      typeof CLOSE_CODES
    >
  >,
];
