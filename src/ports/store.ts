/**
 * The Store port, one interface per aggregate (users, sessions, conversations, members,
 * timeline, reactions, node registry and presence, leases) in `ports/store/`; this module is its public
 * entry. A service depends on the slices it uses (e.g. `UsersStore & SessionsStore`), the
 * composition root hands it the whole {@link Store}.
 */
export type { TimelineEventType } from '../domain/model.js';
export type {
  AdminStore,
  AdminUserQuery,
  AdminUserRecord,
  AdminUserStatus,
  AuditInsert,
  AuditRecord,
} from './store/admin.js';
export type { ConversationCursor, ConversationsStore } from './store/conversations.js';
export {
  DuplicateKeyError,
  RecordNotFoundError,
  StoreUnavailableError,
  TransactionConflictError,
  type RecordKind,
  type StoreProblem,
  type UniqueKey,
} from './store/errors.js';
export {
  BLOB_CHUNK_BYTES,
  messageKey,
  type AttachmentRecord,
  type AttachmentsStore,
  type BlobInfo,
  type BlobStore,
  type MessageRef,
} from './store/files.js';
export type { InviteRecord, InvitesStore, InviteView } from './store/invites.js';
export type { Lease, LeasesStore } from './store/leases.js';
export type { MembersStore, MemberView } from './store/members.js';
export type { PasswordResetRecord, PasswordsStore } from './store/password-resets.js';
export type { PushStore, PushSubscriptionRecord } from './store/push.js';
export type { ProfilePatch, ProfileRecord, ProfilesStore } from './store/profiles.js';
export type { NodesStore, PresenceStore } from './store/registry.js';
export type { Reaction, ReactionsStore } from './store/reactions.js';
export type { SearchPosition, SearchQuery, SearchStore } from './store/search.js';
export type { ServerSettingsStore } from './store/server-settings.js';
export type { SessionsStore } from './store/sessions.js';
export type {
  Store,
  StoreHealth,
  StoreOps,
  SyncStandbys,
  TransactionOps,
  TransactionsStore,
} from './store/store.js';
export type {
  HistoryQuery,
  MentionsQuery,
  MessageMentions,
  MessageRecord,
  PlainMessage,
  TimelineStore,
} from './store/timeline.js';
export type { UserQuery, UsersStore } from './store/users.js';
