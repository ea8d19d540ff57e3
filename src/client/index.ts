/** The Parley client library (browser-safe); README "Terminal client" and docs/architecture.md describe it. */
export {
  ParleyClient,
  type ClientEvent,
  type ClientEvents,
  type ClientOptions,
  type ConnectionState,
  type TimelineItem,
} from './client.js';
export {
  AdminApi,
  type AdminUserDto,
  type AdminUserStatusDto,
  type AuditEntryDto,
} from './admin.js';
export { GroupsApi, type PublicGroupDto, type PublicGroupPageDto } from './groups.js';
export {
  PROFILE_BATCH,
  ProfileCache,
  ProfilesApi,
  shownName,
  type ProfileDto,
} from './profiles.js';
export {
  RegistrationApi,
  type CreatedInviteDto,
  type InviteDto,
  type IssuedResetDto,
  type RegistrationDto,
  type RegistrationMode,
  type RegistrationSettingsDto,
} from './registration.js';
export { positionOf } from './events.js';
export { applyReaction, isReactionEvent, type ReactionEvent } from './reactions.js';
export { mentionsUser } from './mentions.js';
export { Outbox, SendError, type OutboxEntry, type OutboxState } from './outbox.js';
export {
  ApiError,
  checkUpload,
  formatBytes,
  RestApi,
  type ListedUser,
  type StorageDto,
  type UploadBody,
  type UploadOptions,
} from './rest.js';
export { Backoff } from './backoff.js';
export { Cursors } from './cursors.js';
export type { WebSocketFactory, WebSocketLike } from './transport.js';
export { ClientErrorCode } from './error-codes.js';
export { eventMember } from '../protocol/event-member.js';
export { CloseCode, ErrorCode, FINAL_CLOSE_CODES } from '../protocol/codes.js';
