import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import type { Config } from '../../config/config.js';
import type { Logger } from '../../log/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import type { AccountService, Principal } from '../../services/accounts.js';
import type { AdminService } from '../../services/admin.js';
import type { AuditLog } from '../../services/audit.js';
import type { AttachmentService } from '../../services/attachments.js';
import type { ClusterService } from '../../services/cluster.js';
import type { ConversationService } from '../../services/conversations.js';
import type { MentionService } from '../../services/mentions.js';
import type { MessageService } from '../../services/messages.js';
import type { NotificationService } from '../../services/notifications.js';
import type { PasswordService } from '../../services/passwords.js';
import type { ProfileService } from '../../services/profiles.js';
import type { PushService } from '../../services/push.js';
import type { ReactionService } from '../../services/reactions.js';
import type { ReadMarkerService } from '../../services/read-markers.js';
import type { RegistrationService } from '../../services/registration.js';
import type { SearchService } from '../../services/search.js';
import type { RateLimiter } from '../../services/rate-limiter.js';
import type { SettingsService } from '../../services/settings.js';
import type { ThreadService } from '../../services/threads.js';
import type { UserService } from '../../services/users.js';
import type { ClientAddress, TrustedProxies } from './client-ip.js';

/** Everything the HTTP and WebSocket gateways need, built by the composition root. */
export interface GatewayContext {
  config: Config;
  log: Logger;
  metrics: Metrics;
  accounts: AccountService;
  /** Server admins: users, suspension, deletion, the admin role (rules AD1-AD9). */
  admin: AdminService;
  /** The audit log of admin actions; record inside the transaction of the change (AD8). */
  audit: AuditLog;
  users: UserService;
  conversations: ConversationService;
  messages: MessageService;
  /** Messages by seq and threads (rules R2, R3). */
  threads: ThreadService;
  /** The mention list and groups' @all policy (rules R7, R8). */
  mentions: MentionService;
  readMarkers: ReadMarkerService;
  reactions: ReactionService;
  /** Uploads, downloads and storage of files (rules F1-F9). */
  files: AttachmentService;
  /** Full-text search over the user's conversations (rules Q1-Q4). */
  search: SearchService;
  settings: SettingsService;
  /** Registration modes and invites (rules RG1-RG5). */
  registration: RegistrationService;
  /** Password changes, reset links and mailed ones (rules RG6-RG9). */
  passwords: PasswordService;
  /** Display names, status, avatars and last seen (rules PR1-PR7). */
  profiles: ProfileService;
  /** Per-conversation mute and the notifier of new messages (rules N1-N5). */
  notifications: NotificationService;
  /** Web Push: the VAPID key and the sessions' subscriptions (rules N5-N7). */
  push: PushService;
  cluster: ClusterService;
  /** Proxies whose forwarding headers are believed (rule S9). */
  trustedProxies: TrustedProxies;
  limiters: {
    login: RateLimiter;
    register: RateLimiter;
    connections: RateLimiter;
  };
  /** Of `userIds`, those with an open socket on any node (best effort, rule G7). */
  onlineAmong(userIds: string[]): Promise<Set<string>>;
  /** Readiness of the store and bus, and the synchronous standbys behind commits (if any). */
  health(): Promise<{
    ready: boolean;
    checks: Record<string, string>;
    durability?: {
      syncStandbys: number;
      configuredSyncStandbys: number;
      requiredSyncStandbys: number;
    };
  }>;
  /** True if an unexpected error means an engine is down (answered `unavailable`, 503). */
  isUnavailable(err: unknown): boolean;
  /** False once the node is shutting down. */
  accepting(): boolean;
}

/** Per-request variables set by the middleware. */
export interface RequestVars {
  requestId: string;
  /** The client's address and whether its connection is TLS (rule S9). */
  client: ClientAddress;
  principal: Principal | undefined;
  authVia: 'bearer' | 'cookie' | undefined;
}

/** The Hono environment of every route. */
export interface AppEnv {
  Bindings: HttpBindings;
  Variables: RequestVars;
}

/** The client address of a REST request, as the first middleware resolved it. */
export function clientIp(c: Context<AppEnv>): string {
  return c.get('client').ip;
}
