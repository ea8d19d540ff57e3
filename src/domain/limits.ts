/** Configurable limits, with the defaults the node starts with. */
export interface Limits {
  /** Max HTTP body and WebSocket frame size, in bytes. */
  maxBodyBytes: number;
  /** Max message length, in characters (Unicode code points). */
  maxMessageChars: number;
  /** Max members in a group. */
  maxGroupMembers: number;
  /** Max group name length, in characters. */
  maxGroupNameChars: number;
  /** Login attempts per IP per minute. */
  loginPerMinute: number;
  /** Registrations per IP per hour. */
  registerPerHour: number;
  /** Sends per user per second (sustained; bursts up to 2x). */
  sendsPerSecond: number;
  /** New WebSocket connections per IP per minute. */
  connectionsPerMinute: number;
  /** Failed password checks (login, account deletion) per account per hour. */
  passwordFailuresPerAccount: number;
  /** Failed password checks per client address per hour. */
  passwordFailuresPerIp: number;
  /** Password hashes and verifications that may wait for a hasher slot; more are `unavailable`. */
  maxQueuedHashes: number;
  /** Session lifetime, in days. */
  sessionDays: number;
  /** Largest file one upload may carry, in bytes (rule F1). */
  maxUploadBytes: number;
  /** Bytes of files one user may have stored at once, attached or not (rule F1). */
  uploadQuotaBytes: number;
}

/** The default limits, as documented in docs/SPEC.md. */
export const DEFAULT_LIMITS: Limits = {
  maxBodyBytes: 64 * 1024,
  maxMessageChars: 4000,
  maxGroupMembers: 1000,
  maxGroupNameChars: 100,
  loginPerMinute: 10,
  registerPerHour: 20,
  sendsPerSecond: 20,
  connectionsPerMinute: 60,
  passwordFailuresPerAccount: 10,
  passwordFailuresPerIp: 30,
  maxQueuedHashes: 16,
  sessionDays: 30,
  maxUploadBytes: 25 * 1024 * 1024,
  uploadQuotaBytes: 1024 * 1024 * 1024,
};

/** Username and password rules (rule A1). */
export const USERNAME_PATTERN = /^[a-z0-9_.-]{3,32}$/;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;
export const CLIENT_MSG_ID_MAX = 64;
export const HISTORY_PAGE_MAX = 100;
export const USER_PAGE_MAX = 100;
/** Distinct emoji on one message (rule R4); a reaction with one more is `too_many_reactions`. */
export const MAX_REACTIONS_PER_MESSAGE = 20;
/** The longest reaction emoji, in UTF-16 code units (rule R4). */
export const MAX_EMOJI_UNITS = 64;
/** A reply's quote of its parent, in code points (rule R2). */
export const REPLY_SNIPPET_CHARS = 200;
/** Distinct users one message may mention (rule R6); more is `invalid_request`. */
export const MAX_MENTIONS_PER_MESSAGE = 50;
/** Files one message may carry (rule F3). */
export const MAX_ATTACHMENTS_PER_MESSAGE = 10;
/** The longest file name kept, in code points (rule F1). */
export const FILE_NAME_MAX = 255;
/** A search query's length, in code points (rule Q2). */
export const SEARCH_QUERY_MAX = 200;
/** Terms one search query may have, after tokenizing (rule Q2). */
export const SEARCH_TERMS_MAX = 10;
/** Search results per page (rule Q2). */
export const SEARCH_PAGE_MAX = 50;
/** Web Push subscriptions one user may have (rule N6); the oldest is dropped for a new one. */
export const MAX_PUSH_SUBSCRIPTIONS = 20;
